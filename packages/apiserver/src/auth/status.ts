// The Status objects kube-apiserver answers a request it cannot authenticate (401) or that no
// authorizer allows (403), message for message.
import { goQuote } from '@kubemu/api';
import type { RequestAttributes } from './authz/attributes';

export interface AuthStatus {
  kind: 'Status';
  apiVersion: 'v1';
  metadata: Record<string, never>;
  status: 'Failure';
  message: string;
  reason: 'Unauthorized' | 'Forbidden';
  details?: { name?: string; group?: string; kind?: string };
  code: 401 | 403;
}

/** What kube-apiserver answers any request whose credentials are wrong; it never says why. */
export function unauthorizedStatus(): AuthStatus {
  return { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: 'Unauthorized', reason: 'Unauthorized', code: 401 };
}

/**
 * The sentence that says who cannot do what (responsewriters.forbiddenMessage):
 * `User "alice" cannot list resource "pods" in API group "" in the namespace "default"`.
 */
export function forbiddenMessage(attrs: RequestAttributes): string {
  const user = goQuote(attrs.user.username);
  if (!attrs.resourceRequest) return `User ${user} cannot ${attrs.verb} path ${goQuote(attrs.path ?? '')}`;
  let resource = attrs.resource ?? '';
  if (attrs.subresource) resource = `${resource}/${attrs.subresource}`;
  const head = `User ${user} cannot ${attrs.verb} resource ${goQuote(resource)} in API group ${goQuote(attrs.apiGroup ?? '')}`;
  return attrs.namespace ? `${head} in the namespace ${goQuote(attrs.namespace)}` : `${head} at the cluster scope`;
}

/**
 * The 403 for a request no authorizer allowed: apierrors.NewForbidden over the group and resource
 * (not the subresource) with the authorizers' reason appended after a colon when there is one.
 * Details carry the resource in `kind`, as kube-apiserver does; empty fields are left out.
 */
export function forbiddenStatus(attrs: RequestAttributes, reason: string): AuthStatus {
  const why = reason === '' ? forbiddenMessage(attrs) : `${forbiddenMessage(attrs)}: ${reason}`;
  if (!attrs.resourceRequest) return newForbidden('', '', '', why);
  return newForbidden(attrs.apiGroup ?? '', attrs.resource ?? '', attrs.name ?? '', why);
}

/**
 * apierrors.NewForbidden: `<resource>[.<group>] ["<name>"] is forbidden: <why>`, or `forbidden:
 * <why>` without a resource. Admission plugins answer with it too.
 */
export function newForbidden(group: string, resource: string, name: string, why: string): AuthStatus {
  let message: string;
  if (group === '' && resource === '') message = `forbidden: ${why}`;
  else {
    const qualified = group === '' ? resource : `${resource}.${group}`;
    message = name === '' ? `${qualified} is forbidden: ${why}` : `${qualified} ${goQuote(name)} is forbidden: ${why}`;
  }
  const details: NonNullable<AuthStatus['details']> = {};
  if (name !== '') details.name = name;
  if (group !== '') details.group = group;
  if (resource !== '') details.kind = resource;
  return { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason: 'Forbidden', details, code: 403 };
}
