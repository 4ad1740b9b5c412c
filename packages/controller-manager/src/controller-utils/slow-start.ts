// Slow start (pkg/controller's slowStartBatch): create in batches of 1, 2, 4, ... so that a
// request that fails for every object (quota, admission) fails once or twice, not a thousand
// times. The first batch with an error is the last one tried.

export const SLOW_START_INITIAL_BATCH_SIZE = 1;

export interface SlowStartResult {
  successes: number;
  /** The first error of the batch that stopped the run. */
  error?: Error;
}

/** Calls `fn` `count` times, each batch concurrently, doubling the batch after a clean one. */
export async function slowStartBatch(count: number, initialBatchSize: number, fn: () => Promise<Error | undefined>): Promise<SlowStartResult> {
  let remaining = count;
  let successes = 0;
  let batch = Math.min(remaining, initialBatchSize);
  while (batch > 0) {
    const results = await Promise.all(Array.from({ length: batch }, () => fn().catch((err: unknown) => (err instanceof Error ? err : new Error(String(err))))));
    const errors = results.filter((r): r is Error => r !== undefined);
    successes += batch - errors.length;
    if (errors.length > 0) return { successes, error: errors[0] as Error };
    remaining -= batch;
    batch = Math.min(2 * batch, remaining);
  }
  return { successes };
}
