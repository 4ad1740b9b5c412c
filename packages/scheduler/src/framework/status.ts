// The outcome of a plugin, as the scheduler framework's Status: a code and the reasons shown to
// users ("Insufficient cpu"). Expected outcomes are values, never exceptions: a filter that
// rejects a node returns Unschedulable; only a broken invariant is an Error.

export type Code =
  /** The node passed (or the plugin had nothing to say). */
  | 'Success'
  /** The node does not fit now, but might after other pods are removed (preemption could help). */
  | 'Unschedulable'
  /** The node does not fit and preemption cannot change that (labels, taints, node name). */
  | 'UnschedulableAndUnresolvable'
  /** An internal failure; the pod is retried with backoff. */
  | 'Error'
  /** From PreFilter/PreScore: this plugin has nothing to check for this pod; its Filter/Score is skipped. */
  | 'Skip';

export interface Status {
  readonly code: Code;
  readonly reasons: readonly string[];
  /** The plugin that returned it (set by the framework). */
  plugin?: string;
}

const SUCCESS: Status = Object.freeze({ code: 'Success', reasons: Object.freeze([]) }) as Status;
const SKIP: Status = Object.freeze({ code: 'Skip', reasons: Object.freeze([]) }) as Status;

export function success(): Status {
  return SUCCESS;
}

export function skip(): Status {
  return SKIP;
}

export function unschedulable(...reasons: string[]): Status {
  return { code: 'Unschedulable', reasons };
}

export function unresolvable(...reasons: string[]): Status {
  return { code: 'UnschedulableAndUnresolvable', reasons };
}

export function errorStatus(message: string): Status {
  return { code: 'Error', reasons: [message] };
}

export function isSuccess(s: Status): boolean {
  return s.code === 'Success';
}

/** Unschedulable or UnschedulableAndUnresolvable: the node was rejected, nothing went wrong. */
export function isRejected(s: Status): boolean {
  return s.code === 'Unschedulable' || s.code === 'UnschedulableAndUnresolvable';
}

export function withPlugin(s: Status, plugin: string): Status {
  if (s === SUCCESS || s === SKIP) return s;
  return { ...s, plugin };
}
