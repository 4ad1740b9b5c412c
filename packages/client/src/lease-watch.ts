// A standby candidate follows the lock through a watch, so that it sees each renewal within
// milliseconds of the write instead of at its next poll: the lease then counts from (nearly) the
// moment it was really renewed, and the standby's takeover after the leader dies lands close to
// leaseDuration instead of up to two poll periods later.
//
// The watch only feeds observation. Records it delivers wait here until the elector takes them;
// the elector still reads before every write and writes on the version it read. If the watch
// cannot be opened or breaks, the elector keeps polling and the watch is opened again with
// exponential backoff; nothing depends on it for correctness.
import type { Clock, Logger, Rng } from '@kubemu/base';
import type { ObservedRecord } from './lease-lock';
import { sleep } from './token-bucket';

/** The longest wait before opening the watch again after failures. */
export const MAX_WATCH_BACKOFF_MS = 30_000;

export interface LeaseWatchOptions {
  watch: (onRecord: (o: ObservedRecord) => void, signal: AbortSignal) => Promise<void>;
  /** First backoff after a failure; it doubles with each failure in a row, up to MAX_WATCH_BACKOFF_MS. */
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
    const { clock, backoffMs, logger } = this.opts;
    const signal = this.stopper.signal;
    let failures = 0;
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
        logger?.debug('lease watch failed, polling until it is open again', { lock: this.opts.describe, error: (err as Error).message, failures });
      }
      failures = events > 0 ? 0 : failures + 1;
      if (!broke && failures === 0 && clock.now() - since >= backoffMs) continue;
      await sleep(clock, this.backoff(Math.max(failures, 1)), signal);
    }
  }

  /** backoffMs * 2^(failures-1), capped, with up to 20% jitter so that candidates do not reconnect in step. */
  private backoff(failures: number): number {
    const base = Math.min(MAX_WATCH_BACKOFF_MS, this.opts.backoffMs * 2 ** Math.min(failures - 1, 20));
    return base * (1 + 0.2 * this.opts.rng.next());
  }
}
