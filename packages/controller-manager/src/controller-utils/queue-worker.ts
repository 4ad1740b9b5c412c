// The run loop shared by every queue-driven controller: wait for the informer caches, run the
// workers until the leader's signal aborts, then stop taking keys and let in-flight syncs end.
import { ApiError, RateLimitingQueue, runWorkers, waitForCacheSync } from '@kubemu/client';
import type { SyncFn, Syncable } from '@kubemu/client';
import type { ControllerContext } from '../controller';

export interface QueueWorkerOptions {
  /** kube-controller-manager's name of the controller, for logs. */
  name: string;
  ctx: ControllerContext;
  queue: RateLimitingQueue<string>;
  /** Caches that must have synced before the first sync: a controller never acts on a partial view. */
  informers: readonly Syncable[];
  sync: SyncFn<string>;
  workers?: number;
}

/** Resolves once `signal` has aborted and every worker has finished its current key. */
export async function runQueueWorkers(opts: QueueWorkerOptions, signal: AbortSignal): Promise<void> {
  const { ctx, queue } = opts;
  const stop = (): void => queue.shutDown();
  if (signal.aborted) {
    stop();
    return;
  }
  signal.addEventListener('abort', stop, { once: true });
  ctx.log.info('starting controller', { controller: opts.name });
  const synced = await waitForCacheSync(signal, ...opts.informers);
  if (!synced) {
    stop();
    return;
  }
  await runWorkers(queue, opts.sync, { workers: opts.workers ?? ctx.options.workers, logger: ctx.log, name: opts.name });
  ctx.log.info('shutting down controller', { controller: opts.name });
}

/** A new queue with the default controller rate limiter on the context's clock. */
export function newQueue(ctx: ControllerContext): RateLimitingQueue<string> {
  return new RateLimitingQueue<string>(ctx.clock);
}

/** apierrors.HasStatusCause: the server's Status names `cause` among its causes (e.g. NamespaceTerminating). */
export function hasStatusCause(err: unknown, cause: string): boolean {
  return err instanceof ApiError && (err.status.details?.causes ?? []).some((c) => c.reason === cause);
}

/** The message of whatever was thrown. */
export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** Several errors as one (utilerrors.NewAggregate), or undefined for none. */
export function aggregate(errors: readonly Error[]): Error | undefined {
  if (errors.length === 0) return undefined;
  if (errors.length === 1) return errors[0];
  return new Error(`[${errors.map((e) => e.message).join(', ')}]`);
}
