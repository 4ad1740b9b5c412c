// Leader election over a Lease, as client-go's leaderelection package does it.
//
// A candidate takes the lock when it is free or expired and renews it every retryPeriod while it
// leads. Expiry is judged on this process's own Clock: the lease counts as held until
// leaseDuration after this candidate *observed* it change, never by comparing the holder's
// timestamps with our clock, so clock skew between machines cannot elect two leaders.
// A leader that fails to renew for renewDeadline stops leading (onStoppedLeading); because
// renewDeadline < leaseDuration, it stops before any other candidate may take over.
//
// Unlike client-go, a candidate that is not leading also follows the lock through a watch (when
// the lock offers one, see lease-watch.ts). A record seen on the watch is one the server has
// already committed, so the time we see it is still no earlier than the renewal it carries, and
// the argument above holds with either source of observations; the watch only makes observedTime
// close to the real renewal instead of up to a poll period later. Between attempts the candidate
// sleeps the jittered retryPeriod, but wakes at the instant the observed lease expires (on our
// clock) and as soon as the watch shows the holder released it, so that after a leader dies its
// successor takes over about leaseDuration after the last renewal. Every attempt still reads the
// lock first and writes conditionally on what it read.
import { InvalidArgumentError } from '@kubemu/base';
import type { Clock, Logger, Rng } from '@kubemu/base';
import type { LeaderElectionRecord, ObservedRecord, ResourceLock } from './lease-lock';
import { LeaseWatch } from './lease-watch';
import { microTime } from './time-format';
import { sleep } from './token-bucket';

/** client-go's JitterFactor: retries wait retryPeriod plus up to 1.2 * retryPeriod. */
export const JITTER_FACTOR = 1.2;

export interface LeaderCallbacks {
  /** Called when this candidate becomes leader; `signal` aborts when it stops leading. */
  onStartedLeading(signal: AbortSignal): void | Promise<void>;
  /** Called once leadership ends: lost (renewal failed) or given up (run's signal aborted). */
  onStoppedLeading(): void;
  /** Called whenever the observed holder changes, including to ourselves. */
  onNewLeader?(identity: string): void;
}

export interface LeaderElectionConfig {
  lock: ResourceLock;
  /** How long a non-leader waits after observing the last renewal before taking over (kube default 15 s). */
  leaseDurationMs: number;
  /** How long the leader keeps trying to renew before it gives up leadership (kube default 10 s). */
  renewDeadlineMs: number;
  /** Time between attempts (kube default 2 s). */
  retryPeriodMs: number;
  callbacks: LeaderCallbacks;
  /** On a clean stop, write an empty holder so that another candidate need not wait for expiry. */
  releaseOnCancel?: boolean;
  clock: Clock;
  rng: Rng;
  logger?: Logger;
}

export class LeaderElector {
  private observed: LeaderElectionRecord | undefined;
  private observedRaw = '';
  /** Clock time (ours) at which `observed` last changed. */
  private observedTime = 0;
  private reportedLeader = '';

  constructor(private readonly cfg: LeaderElectionConfig) {
    validate(cfg);
  }

  /** Whether this candidate holds the lock, as of its last successful read or write. */
  isLeader(): boolean {
    return this.observed !== undefined && this.observed.holderIdentity === this.cfg.lock.identity;
  }

  /** The holder last observed ('' if none). */
  getLeader(): string {
    return this.observed?.holderIdentity ?? '';
  }

  /**
   * Campaigns until leader, leads until the lease is lost or `signal` aborts, and returns.
   * onStoppedLeading is called only after having led. Run it again to campaign again.
   */
  async run(signal: AbortSignal): Promise<void> {
    if (!(await this.acquire(signal))) return;
    const leading = new AbortController();
    const onAbort = (): void => leading.abort();
    signal.addEventListener('abort', onAbort, { once: true });
    this.startLeading(leading.signal);
    try {
      await this.renew(signal);
    } finally {
      signal.removeEventListener('abort', onAbort);
      leading.abort();
      if (signal.aborted && this.cfg.releaseOnCancel) await this.release();
      try {
        this.cfg.callbacks.onStoppedLeading();
      } catch (err) {
        this.cfg.logger?.error('onStoppedLeading failed', { error: (err as Error).message });
      }
    }
  }

  private startLeading(signal: AbortSignal): void {
    this.cfg.logger?.info('successfully acquired lease', { lock: this.cfg.lock.describe(), identity: this.cfg.lock.identity });
    try {
      const p = this.cfg.callbacks.onStartedLeading(signal);
      if (p instanceof Promise) p.catch((err: unknown) => this.cfg.logger?.error('onStartedLeading failed', { error: (err as Error).message }));
    } catch (err) {
      this.cfg.logger?.error('onStartedLeading failed', { error: (err as Error).message });
    }
  }

  /**
   * Tries until the lock is ours; false if `signal` aborts first. Once an attempt has failed, it
   * follows the lock through a watch between attempts, if the lock has one.
   */
  private async acquire(signal: AbortSignal): Promise<boolean> {
    this.cfg.logger?.info('attempting to acquire leader lease', { lock: this.cfg.lock.describe() });
    let watch: LeaseWatch | undefined;
    try {
      while (!signal.aborted) {
        // The read this attempt starts with is at least as new as anything the watch delivered before it.
        watch?.take();
        if (await this.tryAcquireOrRenew(signal)) return true;
        watch ??= this.watchLock();
        await this.waitToRetry(signal, watch);
      }
      return false;
    } finally {
      await watch?.stop();
    }
  }

  private watchLock(): LeaseWatch | undefined {
    const { lock, clock, rng, retryPeriodMs, logger } = this.cfg;
    if (lock.watch === undefined) return undefined;
    return new LeaseWatch({ watch: lock.watch.bind(lock), backoffMs: retryPeriodMs, clock, rng, describe: lock.describe(), ...(logger ? { logger } : {}) });
  }

  /**
   * Waits for the next attempt: client-go's jittered retryPeriod, but no later than 1 ms after the
   * observed lease expires on our clock, and no later than a watch event that shows the lock
   * released. Records from the watch become observations here, as the poll's reads do.
   */
  private async waitToRetry(signal: AbortSignal, watch: LeaseWatch | undefined): Promise<void> {
    const { clock, rng, retryPeriodMs } = this.cfg;
    const start = clock.now();
    const retryAt = start + retryPeriodMs + rng.next() * JITTER_FACTOR * retryPeriodMs;
    while (!signal.aborted) {
      const seen = watch?.take();
      if (seen !== undefined && seen.raw !== this.observedRaw) {
        this.setObserved(seen);
        if (seen.record.holderIdentity === '') return;
      }
      // Only an expiry still ahead when the wait began wakes us early: the attempt that just failed
      // already saw a past one, and waking for it again would spin.
      const expiry = this.observedExpiry();
      const wakeAt = expiry !== undefined && expiry + 1 > start ? Math.min(retryAt, expiry + 1) : retryAt;
      const ms = wakeAt - clock.now();
      if (ms <= 0) return;
      await (watch ? watch.wait(ms, signal) : sleep(clock, ms, signal));
    }
  }

  /** When the observed lease stops counting as held, on our clock; undefined when it is free. */
  private observedExpiry(): number | undefined {
    const o = this.observed;
    if (o === undefined || o.holderIdentity === '') return undefined;
    return this.observedTime + o.leaseDurationSeconds * 1000;
  }

  /** Renews every retryPeriod; returns when a round of renewals failed for renewDeadline, or on abort. */
  private async renew(signal: AbortSignal): Promise<void> {
    const { clock, renewDeadlineMs, retryPeriodMs } = this.cfg;
    while (!signal.aborted) {
      const round = new AbortController();
      const deadline = clock.setTimeout(() => round.abort(), renewDeadlineMs);
      const onAbort = (): void => round.abort();
      signal.addEventListener('abort', onAbort, { once: true });
      let renewed = false;
      try {
        while (!round.signal.aborted) {
          if (await this.tryAcquireOrRenew(round.signal)) {
            renewed = true;
            break;
          }
          await sleep(clock, retryPeriodMs, round.signal);
        }
      } finally {
        deadline.cancel();
        signal.removeEventListener('abort', onAbort);
      }
      if (signal.aborted) return;
      if (!renewed) {
        this.cfg.logger?.error('failed to renew lease, stopping leading', { lock: this.cfg.lock.describe(), renewDeadlineMs });
        return;
      }
      await sleep(clock, retryPeriodMs, signal);
    }
  }

  /** One attempt: read the lock, and write ourselves into it if it is ours or free or expired. */
  private async tryAcquireOrRenew(signal: AbortSignal): Promise<boolean> {
    const { lock, clock, leaseDurationMs } = this.cfg;
    const wallNow = microTime(clock.wallNow());
    const record: LeaderElectionRecord = {
      holderIdentity: lock.identity,
      leaseDurationSeconds: Math.ceil(leaseDurationMs / 1000),
      acquireTime: wallNow,
      renewTime: wallNow,
      leaderTransitions: 0,
    };
    let current: ObservedRecord | undefined;
    try {
      current = await lock.get(signal);
    } catch (err) {
      this.cfg.logger?.warn('error retrieving lease', { lock: lock.describe(), error: (err as Error).message });
      return false;
    }
    if (current === undefined) {
      return this.write(() => lock.create(record, signal), 'create');
    }
    if (current.raw !== this.observedRaw) this.setObserved(current);
    const old = current.record;
    const expiry = this.observedExpiry();
    const held = expiry !== undefined && expiry > clock.now();
    if (held && !this.isLeader()) return false;
    if (this.isLeader()) {
      record.acquireTime = old.acquireTime;
      record.leaderTransitions = old.leaderTransitions;
    } else {
      record.leaderTransitions = old.leaderTransitions + 1;
    }
    return this.write(() => lock.update(record, signal), 'update');
  }

  private async write(op: () => Promise<ObservedRecord>, what: string): Promise<boolean> {
    try {
      this.setObserved(await op());
      return true;
    } catch (err) {
      // A 409 means another candidate wrote first: the next attempt reads again.
      this.cfg.logger?.warn(`failed to ${what} lease`, { lock: this.cfg.lock.describe(), error: (err as Error).message });
      return false;
    }
  }

  private setObserved(o: ObservedRecord): void {
    this.observed = o.record;
    this.observedRaw = o.raw;
    this.observedTime = this.cfg.clock.now();
    if (o.record.holderIdentity !== this.reportedLeader) {
      this.reportedLeader = o.record.holderIdentity;
      if (o.record.holderIdentity !== '') {
        try {
          this.cfg.callbacks.onNewLeader?.(o.record.holderIdentity);
        } catch (err) {
          this.cfg.logger?.error('onNewLeader failed', { error: (err as Error).message });
        }
      }
    }
  }

  /** Gives the lock up (holder '', 1 s duration) if we still hold it. */
  private async release(): Promise<void> {
    const { lock, clock, renewDeadlineMs } = this.cfg;
    const round = new AbortController();
    const deadline = clock.setTimeout(() => round.abort(), renewDeadlineMs);
    try {
      const current = await lock.get(round.signal);
      if (current === undefined) return;
      this.setObserved(current);
      if (!this.isLeader()) return;
      const now = microTime(clock.wallNow());
      const record = { holderIdentity: '', leaseDurationSeconds: 1, acquireTime: now, renewTime: now, leaderTransitions: current.record.leaderTransitions };
      this.setObserved(await lock.update(record, round.signal));
    } catch (err) {
      this.cfg.logger?.warn('failed to release lease', { lock: lock.describe(), error: (err as Error).message });
    } finally {
      deadline.cancel();
    }
  }
}

/** The checks of leaderelection.NewLeaderElector, with its messages. */
function validate(cfg: LeaderElectionConfig): void {
  if (cfg.leaseDurationMs <= cfg.renewDeadlineMs) throw new InvalidArgumentError('leaseDuration must be greater than renewDeadline');
  if (cfg.renewDeadlineMs <= JITTER_FACTOR * cfg.retryPeriodMs) throw new InvalidArgumentError('renewDeadline must be greater than retryPeriod*JitterFactor');
  if (cfg.leaseDurationMs < 1) throw new InvalidArgumentError('leaseDuration must be greater than zero');
  if (cfg.renewDeadlineMs < 1) throw new InvalidArgumentError('renewDeadline must be greater than zero');
  if (cfg.retryPeriodMs < 1) throw new InvalidArgumentError('retryPeriod must be greater than zero');
  if (typeof cfg.callbacks?.onStartedLeading !== 'function') throw new InvalidArgumentError('OnStartedLeading callback must not be nil');
  if (typeof cfg.callbacks?.onStoppedLeading !== 'function') throw new InvalidArgumentError('OnStoppedLeading callback must not be nil');
  if (!cfg.lock) throw new InvalidArgumentError('Lock must not be nil.');
  if (cfg.lock.identity === '') throw new InvalidArgumentError('Lock identity is empty');
}
