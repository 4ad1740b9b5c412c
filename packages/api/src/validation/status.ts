// The Status objects the apiserver answers with when validation fails (apierrors.NewInvalid).
import type { FieldError } from './field-errors';
import { aggregateMessage, errorBody } from './field-errors';

export interface StatusCauseJson {
  reason: string;
  message: string;
  field: string;
}

export interface InvalidStatus {
  kind: 'Status';
  apiVersion: 'v1';
  metadata: Record<string, never>;
  status: 'Failure';
  message: string;
  reason: 'Invalid';
  details: { name: string; group?: string; kind: string; causes: StatusCauseJson[] };
  code: 422;
}

/**
 * The 422 Invalid Status for a failed validation, field for field what kube-apiserver returns:
 * message `<Kind[.group]> "<name>" is invalid: <aggregate>`, one cause per error, and `group`
 * omitted for the core group as the JSON encoder omits an empty group.
 */
export function toStatus(target: { group: string; kind: string }, name: string, errs: readonly FieldError[]): InvalidStatus {
  const qualified = target.group === '' ? target.kind : `${target.kind}.${target.group}`;
  const message =
    errs.length === 0 ? `${qualified} ${JSON.stringify(name)} is invalid` : `${qualified} ${JSON.stringify(name)} is invalid: ${aggregateMessage(errs)}`;
  const causes = errs.map((e) => ({ reason: e.type, message: errorBody(e), field: e.field }));
  const details: InvalidStatus['details'] =
    target.group === '' ? { name, kind: target.kind, causes } : { name, group: target.group, kind: target.kind, causes };
  return { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason: 'Invalid', details, code: 422 };
}
