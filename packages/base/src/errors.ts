/**
 * One error class per failure: a stable machine-readable `code`, a human message, and the
 * `cause` that led to it. Errors that are expected outcomes (a dropped proposal, a compacted
 * index) are still values of these classes, returned or thrown at a documented boundary.
 */
export class KubemuError extends Error {
  readonly code: string;

  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.name = new.target.name;
  }
}

/** A caller passed something the callee cannot work with; retrying unchanged will not help. */
export class InvalidArgumentError extends KubemuError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('InvalidArgument', message, options);
  }
}

/** Persistent data failed an integrity check; the process must not continue on it. */
export class CorruptionError extends KubemuError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('Corruption', message, options);
  }
}

/** Returns `err` as an Error, wrapping anything else that was thrown. */
export function asError(err: unknown): Error {
  return err instanceof Error ? err : new Error(String(err));
}
