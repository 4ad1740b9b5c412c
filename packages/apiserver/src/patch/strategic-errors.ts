// Strategic merge failures, as values. Each carries the text of the apimachinery error it mirrors
// and how kube-apiserver reports it (interpretStrategicMergePatchError): a handful of sentinel
// errors become 400 BadRequest or a generic 422; every other error is not a StatusError and so
// reaches the client as a 500 whose message is the error text.
import type { Json } from './json-value';
import { goFormat, goTypeName } from './json-value';

export type SmpErrorClass = 'BadRequest' | 'Unprocessable' | 'Unknown';

export class SmpError {
  constructor(
    readonly reportedAs: SmpErrorClass,
    readonly message: string,
  ) {}
}

export function isSmpError(v: unknown): v is SmpError {
  return v instanceof SmpError;
}

// mergepatch's sentinel errors.
export const badPatchFormatForPrimitiveList = (): SmpError => new SmpError('BadRequest', 'invalid patch format of primitive list');
export const badPatchFormatForRetainKeys = (): SmpError => new SmpError('BadRequest', 'invalid patch format of retainKeys');
export const badPatchFormatForSetElementOrderList = (): SmpError =>
  new SmpError('BadRequest', 'invalid patch format of setElementOrder list');
export const noListOfLists = (): SmpError => new SmpError('Unprocessable', 'lists of lists are not supported');

/** mergepatch.ErrNoMergeKey: `map: map[image:b] does not contain declared merge key: name`. */
export function noMergeKey(m: Json, key: string): SmpError {
  return new SmpError('Unknown', `map: ${goFormat(m)} does not contain declared merge key: ${key}`);
}

/** mergepatch.ErrBadArgType; expected is a sample of the wanted type. */
export function badArgType(expected: Json, actual: Json | undefined): SmpError {
  return new SmpError('Unknown', `expected a ${goTypeName(expected)}, but received a ${goTypeName(actual)}`);
}

/** mergepatch.ErrBadPatchType: an unknown `$patch` value (or `merge` on a map). */
export function badPatchType(directive: Json, m: Json): SmpError {
  const d = typeof directive === 'string' ? directive : `%!s(${goTypeName(directive)}=${goFormat(directive)})`;
  return new SmpError('Unknown', `unknown patch type: ${d} in map: ${goFormat(m)}`);
}

/** Any other error of the merge code (fmt.Errorf there). */
export function internalError(message: string): SmpError {
  return new SmpError('Unknown', message);
}
