// The Status answers of the fake API, worded as kube-apiserver words them.
import type { ResourceInfo } from '@kubemu/api';
import { failureStatus } from '../api-error';
import type { StatusDetailsJson, StatusJson } from '../api-error';

/** "pods" for the core group, "deployments.apps" otherwise, as messages print a GroupResource. */
export function groupResource(info: Pick<ResourceInfo, 'group' | 'resource'>, subresource?: string): string {
  const r = subresource === undefined ? info.resource : `${info.resource}/${subresource}`;
  return info.group === '' ? r : `${r}.${info.group}`;
}

function details(info: Pick<ResourceInfo, 'group' | 'resource'>, name: string): StatusDetailsJson {
  return info.group === '' ? { name, kind: info.resource } : { name, group: info.group, kind: info.resource };
}

export const notFound = (info: ResourceInfo, name: string): StatusJson =>
  failureStatus(404, 'NotFound', `${groupResource(info)} ${JSON.stringify(name)} not found`, details(info, name));

export const alreadyExists = (info: ResourceInfo, name: string): StatusJson =>
  failureStatus(409, 'AlreadyExists', `${groupResource(info)} ${JSON.stringify(name)} already exists`, details(info, name));

export const conflict = (info: ResourceInfo, name: string, why: string, subresource?: string): StatusJson =>
  failureStatus(409, 'Conflict', `Operation cannot be fulfilled on ${groupResource(info, subresource)} ${JSON.stringify(name)}: ${why}`, details(info, name));

export const STALE = 'the object has been modified; please apply your changes to the latest version and try again';

export const badRequest = (message: string): StatusJson => failureStatus(400, 'BadRequest', message);

export const forbidden = (info: ResourceInfo, name: string, why: string): StatusJson =>
  failureStatus(403, 'Forbidden', `${groupResource(info)} ${JSON.stringify(name)} is forbidden: ${why}`, details(info, name));

export const expired = (message: string): StatusJson => failureStatus(410, 'Expired', message);

export const methodNotAllowed = (): StatusJson => failureStatus(405, 'MethodNotAllowed', 'the server does not allow this method on the requested resource');

export const pathNotFound = (): StatusJson => failureStatus(404, 'NotFound', 'the server could not find the requested resource');

export const success = (code: number): StatusJson => ({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', code });
