// The worker loop every controller runs: take a key, sync it, and on failure requeue it with
// the queue's rate limiter ("without forcing a hot loop"); on success forget its failures.
// Because the queue never hands one key to two workers, sync(key) never runs concurrently
// with itself for the same key, however many workers there are.
import type { Logger } from '@kubemu/base';
import type { RateLimitingQueue } from './work-queue';

export interface WorkerOptions {
  /** Number of concurrent workers (a controller's --concurrent-*-syncs flag). */
  workers?: number;
  /** Retries of one key before it is dropped (and forgotten); default: retry forever. */
  maxRetries?: number;
  logger?: Logger;
  /** Names the controller in logs. */
  name?: string;
}

/**
 * A sync reports failure by returning an Error (an expected failure, as a value) or by throwing
 * (an unexpected one); both requeue the key.
 */
export type SyncFn<K> = (key: K) => Promise<Error | void>;

/** Processes one key; false once the queue is shut down and empty. */
export async function processNextWorkItem<K>(queue: RateLimitingQueue<K>, sync: SyncFn<K>, opts: WorkerOptions = {}): Promise<boolean> {
  const key = await queue.get();
  if (key === undefined) return false;
  let err: Error | void;
  try {
    err = await sync(key);
  } catch (thrown) {
    err = thrown instanceof Error ? thrown : new Error(String(thrown));
  }
  try {
    if (err === undefined) {
      queue.forget(key);
    } else if (opts.maxRetries !== undefined && queue.numRequeues(key) >= opts.maxRetries) {
      opts.logger?.warn('dropping key out of the queue', { controller: opts.name, key: String(key), error: err.message });
      queue.forget(key);
    } else {
      opts.logger?.info('error syncing; requeuing', { controller: opts.name, key: String(key), error: err.message });
      queue.addRateLimited(key);
    }
  } finally {
    queue.done(key);
  }
  return true;
}

/** Runs `workers` loops until the queue is shut down; resolves when all have exited. */
export async function runWorkers<K>(queue: RateLimitingQueue<K>, sync: SyncFn<K>, opts: WorkerOptions = {}): Promise<void> {
  const loop = async (): Promise<void> => {
    while (await processNextWorkItem(queue, sync, opts)) {
      // next key
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, opts.workers ?? 1) }, loop));
}
