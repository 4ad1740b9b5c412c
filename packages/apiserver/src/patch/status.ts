// The Status objects kube-apiserver answers a failed PATCH with. Each builder names the apimachinery
// constructor it mirrors, because the shape (which fields are present, whether details is {} or
// absent) is what clients observe: kubectl prints `The request is invalid: ...` for a 422 without
// causes and `Error from server: ...` for a Status without a reason.
import type { Status } from '@kubemu/api';
import { errorBody, errorMessage, invalid } from '@kubemu/api';

export interface PatchStatus extends Status {
  kind: 'Status';
  apiVersion: 'v1';
  status: 'Failure';
  code: number;
  message: string;
}

function failure(code: number, reason: string, message: string, details?: Status['details']): PatchStatus {
  const s: PatchStatus = { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, code };
  if (reason !== '') s.reason = reason;
  if (details !== undefined) s.details = details;
  return s;
}

/** apierrors.NewBadRequest: 400 with the decoder's or patcher's message and no details. */
export function badRequest(message: string): PatchStatus {
  return failure(400, 'BadRequest', message);
}

/**
 * apierrors.NewGenericServerResponse(422, "", GroupResource{}, "", msg, 0, false): what a failing
 * JSON patch operation becomes. The library's own message (e.g. "testing value /spec/replicas
 * failed: test failed") is not sent: there are no causes and details is an empty object.
 */
export function genericUnprocessable(): PatchStatus {
  return failure(422, 'Invalid', 'the server rejected our request due to an error in our request', {});
}

/**
 * An error that is not a StatusError, turned into a Status by responsewriters.ErrorToAPIStatus:
 * 500, reason StatusReasonUnknown (empty, so omitted) and the error text as the message. Strategic
 * merge errors other than the few apiserver maps to 400/422 reach the client this way.
 */
export function unknownServerError(message: string): PatchStatus {
  return failure(500, '', message);
}

/** apierrors.NewRequestEntityTooLargeError. */
export function requestEntityTooLarge(message: string): PatchStatus {
  return failure(413, 'RequestEntityTooLarge', `Request entity too large: ${message}`);
}

/** negotiation.NewUnsupportedMediaTypeError(accepted) as a Status. */
export function unsupportedMediaType(accepted: readonly string[]): PatchStatus {
  return failure(
    415,
    'UnsupportedMediaType',
    `the body of the request was in an unknown format - accepted media types include: ${accepted.join(', ')}`,
  );
}

/**
 * apierrors.NewInvalid(GroupKind{}, "", [field.Invalid("patch", value, detail)]): the patched
 * document could not be decoded into the object type. The empty kind and name print as ` "" is
 * invalid`, leading space included, and details carries only the cause.
 */
export function undecodablePatchResult(value: string, detail: string): PatchStatus {
  const e = invalid('patch', value, detail);
  return failure(422, 'Invalid', ` "" is invalid: ${errorMessage(e)}`, {
    causes: [{ reason: e.type, message: errorBody(e), field: e.field }],
  });
}
