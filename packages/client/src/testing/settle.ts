// Test helper: lets pending promise chains, including I/O-free async loops, run to quiescence.
// Macrotask turns (setImmediate) flush more than microtask loops, since each await may queue more.

export async function settle(turns = 20): Promise<void> {
  for (let i = 0; i < turns; i++) await new Promise<void>((resolve) => setImmediate(resolve));
}

/** Polls `cond` across macrotask turns; throws with `what` if it does not hold within `turns`. */
export async function until(cond: () => boolean, what = 'condition', turns = 500): Promise<void> {
  for (let i = 0; i < turns; i++) {
    if (cond()) return;
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
  throw new Error(`timed out waiting for ${what}`);
}
