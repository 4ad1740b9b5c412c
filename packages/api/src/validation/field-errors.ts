// Field errors with the shapes and messages of k8s.io/apimachinery/pkg/util/validation/field.
// `type` is the StatusCause reason the apiserver reports for the error.

export type FieldErrorType =
  | 'FieldValueNotFound'
  | 'FieldValueRequired'
  | 'FieldValueDuplicate'
  | 'FieldValueInvalid'
  | 'FieldValueNotSupported'
  | 'FieldValueForbidden'
  | 'FieldValueTooLong'
  | 'FieldValueTooMany'
  | 'InternalError'
  | 'FieldValueTypeInvalid';

export interface FieldError {
  readonly type: FieldErrorType;
  /** JSON path of the field: "spec.containers[0].name", "metadata.labels[app]". */
  readonly field: string;
  readonly badValue?: unknown;
  readonly detail: string;
}

export type FieldErrorList = FieldError[];

/** The words Kubernetes prints for each error type (ErrorType.String()). */
const TYPE_TEXT: Record<FieldErrorType, string> = {
  FieldValueNotFound: 'Not found',
  FieldValueRequired: 'Required value',
  FieldValueDuplicate: 'Duplicate value',
  FieldValueInvalid: 'Invalid value',
  FieldValueNotSupported: 'Unsupported value',
  FieldValueForbidden: 'Forbidden',
  FieldValueTooLong: 'Too long',
  FieldValueTooMany: 'Too many',
  InternalError: 'Internal error',
  FieldValueTypeInvalid: 'Invalid value',
};

/** A field path built step by step, printed as Kubernetes prints field.Path. */
export class FieldPath {
  private constructor(private readonly text: string) {}

  static root(...names: string[]): FieldPath {
    return new FieldPath(names.join('.'));
  }

  child(...names: string[]): FieldPath {
    const rest = names.join('.');
    return new FieldPath(this.text === '' ? rest : `${this.text}.${rest}`);
  }

  index(i: number): FieldPath {
    return new FieldPath(`${this.text}[${i}]`);
  }

  key(k: string): FieldPath {
    return new FieldPath(`${this.text}[${k}]`);
  }

  toString(): string {
    return this.text;
  }
}

type PathLike = FieldPath | string;
const str = (p: PathLike): string => p.toString();

export function required(field: PathLike, detail = ''): FieldError {
  return { type: 'FieldValueRequired', field: str(field), badValue: '', detail };
}
export function invalid(field: PathLike, value: unknown, detail: string): FieldError {
  return { type: 'FieldValueInvalid', field: str(field), badValue: value, detail };
}
export function notSupported(field: PathLike, value: unknown, supported: readonly string[]): FieldError {
  const detail = supported.length > 0 ? `supported values: ${supported.map((v) => goQuote(v)).join(', ')}` : '';
  return { type: 'FieldValueNotSupported', field: str(field), badValue: value, detail };
}
export function duplicate(field: PathLike, value: unknown): FieldError {
  return { type: 'FieldValueDuplicate', field: str(field), badValue: value, detail: '' };
}
export function forbidden(field: PathLike, detail: string): FieldError {
  return { type: 'FieldValueForbidden', field: str(field), badValue: '', detail };
}
export function notFound(field: PathLike, value: unknown): FieldError {
  return { type: 'FieldValueNotFound', field: str(field), badValue: value, detail: '' };
}
export function tooLong(field: PathLike, maxLength: number): FieldError {
  const detail = maxLength >= 0 ? `may not be more than ${maxLength} ${maxLength === 1 ? 'byte' : 'bytes'}` : 'value is too long';
  return { type: 'FieldValueTooLong', field: str(field), badValue: '<value omitted>', detail };
}
export function tooMany(field: PathLike, actual: number, max: number): FieldError {
  const detail = max >= 0 ? `must have at most ${max} ${max === 1 ? 'item' : 'items'}` : 'has too many items';
  return { type: 'FieldValueTooMany', field: str(field), badValue: actual, detail };
}
export function internalError(field: PathLike, err: Error): FieldError {
  return { type: 'InternalError', field: str(field), badValue: undefined, detail: err.message };
}

/** Go's strconv.Quote, close enough for the strings that appear in objects. */
export function goQuote(s: string): string {
  return JSON.stringify(s).replace(/\\u00([0-9a-f]{2})/g, '\\x$1');
}

/** Renders a bad value as Kubernetes does (%v for numbers and booleans, %q for strings, %#v else). */
function formatValue(value: unknown): string {
  if (typeof value === 'string') return goQuote(value);
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return String(value);
  if (value === null || value === undefined) return 'null';
  if (Array.isArray(value) && value.every((v) => typeof v === 'string')) {
    return `[]string{${value.map((v) => goQuote(v)).join(', ')}}`;
  }
  if (typeof (value as { toString?: unknown }).toString === 'function' && !isPlainData(value)) return String(value);
  return JSON.stringify(value);
}

function isPlainData(value: unknown): boolean {
  return Array.isArray(value) || Object.getPrototypeOf(value) === Object.prototype;
}

/** The message without the field: "Required value", `Invalid value: "x": detail` (Error.ErrorBody). */
export function errorBody(e: FieldError): string {
  let s: string;
  switch (e.type) {
    case 'FieldValueRequired':
    case 'FieldValueForbidden':
    case 'FieldValueTooLong':
    case 'InternalError':
      s = TYPE_TEXT[e.type];
      break;
    default:
      s = `${TYPE_TEXT[e.type]}: ${formatValue(e.badValue)}`;
  }
  return e.detail.length > 0 ? `${s}: ${e.detail}` : s;
}

/** "spec.containers[0].image: Required value" (Error.Error). */
export function errorMessage(e: FieldError): string {
  return e.field === '' ? errorBody(e) : `${e.field}: ${errorBody(e)}`;
}

/**
 * Aggregates a list as utilerrors.NewAggregate prints it: one message alone, several in brackets,
 * duplicates of the same message printed once.
 */
export function aggregateMessage(errs: readonly FieldError[]): string {
  const seen = new Set<string>();
  const msgs: string[] = [];
  for (const e of errs) {
    const m = errorMessage(e);
    if (!seen.has(m)) {
      seen.add(m);
      msgs.push(m);
    }
  }
  return msgs.length === 1 ? (msgs[0] ?? '') : `[${msgs.join(', ')}]`;
}
