// The Status objects kube-apiserver answers errors with (k8s.io/apimachinery apierrors), message for
// message, so that kubectl prints what it prints against a real cluster.
import type { Status } from '@kubemu/api';

export type Reason =
  | 'BadRequest'
  | 'Unauthorized'
  | 'Forbidden'
  | 'NotFound'
  | 'AlreadyExists'
  | 'Conflict'
  | 'Gone'
  | 'Expired'
  | 'Invalid'
  | 'MethodNotAllowed'
  | 'NotAcceptable'
  | 'RequestEntityTooLarge'
  | 'UnsupportedMediaType'
  | 'TooManyRequests'
  | 'InternalError'
  | 'ServiceUnavailable'
  | 'Timeout';

export interface ApiStatus extends Status {
  kind: 'Status';
  apiVersion: 'v1';
  code: number;
}

/** What a request is about, for the messages and details of its errors. */
export interface Target {
  group: string;
  /** The plural resource name (pods). kube-apiserver puts it in details.kind for most errors. */
  resource: string;
  name?: string;
}

export function failure(code: number, reason: Reason | '', message: string, details?: Status['details']): ApiStatus {
  const s: ApiStatus = { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, code };
  if (reason !== '') s.reason = reason;
  if (details !== undefined) s.details = details;
  return s;
}

export function success(details?: Status['details']): ApiStatus {
  const s: ApiStatus = { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', code: 200 };
  if (details !== undefined) s.details = details;
  return s;
}

/** `pods "web"` or `deployments.apps "web"`: the qualified resource as apierrors prints it. */
export function qualifiedResource(t: Target): string {
  return t.group === '' ? t.resource : `${t.resource}.${t.group}`;
}

function details(t: Target): NonNullable<Status['details']> {
  const d: NonNullable<Status['details']> = { kind: t.resource };
  if (t.name !== undefined) d.name = t.name;
  if (t.group !== '') d.group = t.group;
  return d;
}

export function notFound(t: Target & { name: string }): ApiStatus {
  return failure(404, 'NotFound', `${qualifiedResource(t)} ${JSON.stringify(t.name)} not found`, details(t));
}

export function alreadyExists(t: Target & { name: string }): ApiStatus {
  return failure(409, 'AlreadyExists', `${qualifiedResource(t)} ${JSON.stringify(t.name)} already exists`, details(t));
}

export function conflict(t: Target & { name: string }, why: string): ApiStatus {
  return failure(409, 'Conflict', `Operation cannot be fulfilled on ${qualifiedResource(t)} ${JSON.stringify(t.name)}: ${why}`, details(t));
}

export const STALE_OBJECT = 'the object has been modified; please apply your changes to the latest version and try again';

export function badRequest(message: string): ApiStatus {
  return failure(400, 'BadRequest', message);
}

export function forbidden(t: Target, why: string): ApiStatus {
  const subject = t.name === undefined ? qualifiedResource(t) : `${qualifiedResource(t)} ${JSON.stringify(t.name)}`;
  return failure(403, 'Forbidden', `${subject} is forbidden: ${why}`, details(t));
}

export function methodNotAllowed(t: Target, verb: string): ApiStatus {
  return failure(405, 'MethodNotAllowed', `the server does not allow this method on the requested resource`, {
    ...details(t),
    causes: [{ reason: 'UnexpectedServerResponse', message: `${verb} not supported` }],
  });
}

export function gone(message: string): ApiStatus {
  return failure(410, 'Expired', message);
}

export function unsupportedMediaType(): ApiStatus {
  return failure(415, 'UnsupportedMediaType', 'the body of the request was in an unknown format - accepted media types include: application/json, application/yaml, application/vnd.kubernetes.protobuf');
}

export function tooLarge(): ApiStatus {
  return failure(413, 'RequestEntityTooLarge', 'Request entity too large: limit is 3145728');
}

export function internalError(err: unknown): ApiStatus {
  const msg = err instanceof Error ? err.message : String(err);
  return failure(500, 'InternalError', `Internal error occurred: ${msg}`, { causes: [{ message: msg }] });
}

export function unavailable(message: string): ApiStatus {
  return failure(503, 'ServiceUnavailable', message);
}

export function timeout(message: string): ApiStatus {
  return failure(504, 'Timeout', message);
}

export function isStatus(v: unknown): v is ApiStatus {
  return typeof v === 'object' && v !== null && (v as { kind?: unknown }).kind === 'Status' && typeof (v as { code?: unknown }).code === 'number';
}
