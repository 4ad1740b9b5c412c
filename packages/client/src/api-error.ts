// Errors of the Kubernetes API as values: every non-2xx answer of the apiserver becomes an
// ApiError carrying the Status object it sent (or one synthesised from the HTTP code when the
// body is not a Status, as client-go's newUnstructuredResponseError does).
import { KubemuError } from '@kubemu/base';

/** A Status cause: which field failed and why. */
export interface StatusCauseJson {
  reason?: string;
  message?: string;
  field?: string;
}

export interface StatusDetailsJson {
  name?: string;
  group?: string;
  kind?: string;
  uid?: string;
  causes?: StatusCauseJson[];
  retryAfterSeconds?: number;
}

/** The wire shape of metav1.Status. */
export interface StatusJson {
  kind: 'Status';
  apiVersion: 'v1';
  metadata: { resourceVersion?: string; continue?: string };
  status: 'Success' | 'Failure';
  message?: string;
  reason?: string;
  details?: StatusDetailsJson;
  code: number;
}

/** Reasons client-go's apierrors assigns to HTTP codes when the body carries none. */
const REASON_BY_CODE: Readonly<Record<number, string>> = {
  400: 'BadRequest',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'NotFound',
  405: 'MethodNotAllowed',
  406: 'NotAcceptable',
  409: 'Conflict',
  410: 'Gone',
  415: 'UnsupportedMediaType',
  422: 'Invalid',
  429: 'TooManyRequests',
  500: 'InternalError',
  503: 'ServiceUnavailable',
  504: 'Timeout',
};

/** A Failure Status, the body of every error response of the apiserver. */
export function failureStatus(code: number, reason: string, message: string, details?: StatusDetailsJson): StatusJson {
  const s: StatusJson = { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, code };
  if (details !== undefined) s.details = details;
  return s;
}

/** True for anything shaped like a metav1.Status. */
export function isStatus(x: unknown): x is StatusJson {
  return typeof x === 'object' && x !== null && (x as { kind?: unknown }).kind === 'Status';
}

/** An error answer of the API server; `status` is the Status it sent; `code` (the class field) is its reason. */
export class ApiError extends KubemuError {
  readonly status: StatusJson;

  constructor(status: StatusJson, options?: { cause?: unknown }) {
    super(status.reason ?? 'Unknown', status.message ?? `the server responded with HTTP ${status.code}`, options);
    this.status = status;
  }

  /** The HTTP status code. */
  get httpStatus(): number {
    return this.status.code;
  }

  get reason(): string {
    return this.status.reason ?? '';
  }

  /** Builds the error for a non-2xx response from its raw body. */
  static fromResponse(httpStatus: number, body: string, retryAfterHeader?: string): ApiError {
    let parsed: unknown;
    try {
      parsed = body === '' ? undefined : JSON.parse(body);
    } catch {
      parsed = undefined;
    }
    if (isStatus(parsed) && parsed.status !== 'Success') {
      return new ApiError({ ...parsed, code: parsed.code || httpStatus });
    }
    const reason = REASON_BY_CODE[httpStatus] ?? 'Unknown';
    const text = body.trim();
    const message = text === '' ? `the server responded with HTTP ${httpStatus}` : `the server responded with HTTP ${httpStatus}: ${text.slice(0, 500)}`;
    const retry = retryAfterHeader === undefined ? undefined : Number.parseInt(retryAfterHeader, 10);
    const details = retry !== undefined && Number.isFinite(retry) ? { retryAfterSeconds: retry } : undefined;
    return new ApiError(failureStatus(httpStatus, reason, message, details));
  }
}

/** A request that never got an HTTP answer: connection refused or reset, TLS failure, DNS. */
export class ConnectionError extends KubemuError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('Connection', message, options);
  }
}

function statusOf(err: unknown): StatusJson | undefined {
  return err instanceof ApiError ? err.status : undefined;
}

function hasReason(err: unknown, reason: string, code: number): boolean {
  const s = statusOf(err);
  if (s === undefined) return false;
  if (s.reason === reason) return true;
  // A Status without a reason is judged by its code, as apierrors.ReasonForError falls back to it.
  return (s.reason === undefined || s.reason === '' || s.reason === 'Unknown') && s.code === code;
}

export const isNotFound = (err: unknown): boolean => hasReason(err, 'NotFound', 404);
export const isAlreadyExists = (err: unknown): boolean => statusOf(err)?.reason === 'AlreadyExists';
/** A 409 that is not AlreadyExists: an optimistic-concurrency or precondition failure. */
export const isConflict = (err: unknown): boolean => hasReason(err, 'Conflict', 409);
export const isInvalid = (err: unknown): boolean => hasReason(err, 'Invalid', 422);
export const isForbidden = (err: unknown): boolean => hasReason(err, 'Forbidden', 403);
export const isTooManyRequests = (err: unknown): boolean => hasReason(err, 'TooManyRequests', 429);
/** The 410 Expired of a too-old resourceVersion or continue token. */
export const isResourceExpired = (err: unknown): boolean => hasReason(err, 'Expired', 410);
/**
 * Any 410: Gone or Expired. client-go keeps IsGone and IsResourceExpired apart; a reflector treats
 * both alike (relist), and so does every caller here, hence one helper for both.
 */
export const isGone = (err: unknown): boolean => statusOf(err)?.code === 410;
export const isServerError = (err: unknown): boolean => (statusOf(err)?.code ?? 0) >= 500;
