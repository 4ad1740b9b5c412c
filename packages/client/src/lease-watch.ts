// A standby candidate follows the lock through a watch, so that it sees each renewal within
// milliseconds of the write instead of at its next poll: the lease then counts from (nearly) the
// moment it was really renewed, and the standby's takeover after the leader dies lands close to
// leaseDuration instead of up to two poll periods later.
//
// The watch only feeds observation. Records it delivers wait here until the elector takes them;
// the elector still reads before every write and writes on the version it read. If the watch
// cannot be opened or breaks, the elector keeps polling and the watch is opened again with
// exponential backoff; nothing depends on it for correctness.
import { Backoff } from '@kubemu/base';
import type { Clock, Logger, Rng } from '@kubemu/base';
import type { ObservedRecord } from './lease-lock';
import { sleep } from './token-bucket';

/** The longest wait before opening the watch again after failures, jitter included. */
export const MAX_WATCH_BACKOFF_MS = 30_000;

export interface LeaseWatchOptions {
  watch: (onRecord: (o: ObservedRecord) => void, signal: AbortSignal) => Promise<void>;
  /** First backoff after a failure; it doubles with each failure in a row, up to MAX_WATCH_BACKOFF_MS (20% jitter). */
  backoffMs: number;
  clock: Clock;
  rng: Rng;
  describe: string;
  logger?: Logger;
}

export class LeaseWatch {
  /** The latest record delivered and not yet taken. */
  private pending: ObservedRecord | undefined;
  private wake: (() => void) | undefined;
  private readonly stopper = new AbortController();
  private readonly loop: Promise<void>;
  /** Watches opened (successfully or not) so far. */
  opened = 0;

  constructor(private readonly opts: LeaseWatchOptions) {
    this.loop = this.follow();
  }

  /** The latest record the watch delivered since the last take, if any. */
  take(): ObservedRecord | undefined {
    const p = this.pending;
    this.pending = undefined;
    return p;
  }

  /** Resolves after `ms`, as soon as a record is pending, or when `signal` aborts. */
  wait(ms: number, signal: AbortSignal): Promise<void> {
    if (this.pending !== undefined || signal.aborted) return Promise.resolve();
    return new Promise((resolve) => {
      const done = (): void => {
        timer.cancel();
        signal.removeEventListener('abort', done);
        if (this.wake === done) this.wake = undefined;
        resolve();
      };
      const timer = this.opts.clock.setTimeout(done, ms);
      signal.addEventListener('abort', done, { once: true });
      this.wake = done;
    });
  }

  /** Closes the watch and waits for its loop to end. */
  async stop(): Promise<void> {
    this.stopper.abort();
    this.wake?.();
    await this.loop;
  }

  private deliver(o: ObservedRecord): void {
    if (this.stopper.signal.aborted) return;
    this.pending = o;
    this.wake?.();
  }

  /**
   * Keeps a watch open until stopped. A watch that delivered nothing counts as a failure, and the
   * wait before the next one doubles; after one that worked, the next waits one backoffMs, or
   * nothing when the server ended it cleanly after a while (its timeout).
   */
  private async follow(): Promise<void> {
    const { clock, backoffMs, logger, rng } = this.opts;
    const signal = this.stopper.signal;
    // Jitter, so that candidates do not reconnect in step.
    const backoff = new Backoff({ initialMs: backoffMs, maxMs: Math.max(backoffMs, MAX_WATCH_BACKOFF_MS), jitter: 0.2 }, rng);
    while (!signal.aborted) {
      const since = clock.now();
      let events = 0;
      let broke = false;
      this.opened++;
      try {
        await this.opts.watch((o) => {
          events++;
          this.deliver(o);
        }, signal);
      } catch (err) {
        if (signal.aborted) return;
        broke = true;
        logger?.debug('lease watch failed, polling until it is open again', { lock: this.opts.describe, error: (err as Error).message, failures: backoff.failures });
      }
      if (events > 0) {
        backoff.reset();
        if (!broke && clock.now() - since >= backoffMs) continue;
      }
      const ms = backoff.next();
      // After a watch that worked, the next failure starts again from backoffMs.
      if (events > 0) backoff.reset();
      await sleep(clock, ms, signal);
    }
  }
}
