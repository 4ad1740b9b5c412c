import { ManualClock, SeededRng } from '@kubemu/base';
import type { Clock } from '@kubemu/base';
import type { Lease } from '@kubemu/api';
import { ConnectionError } from './api-error';
import { LeaderElector } from './leader-election';
import type { LeaderElectionConfig } from './leader-election';
import { LEASES, LeaseLock } from './lease-lock';
import type { ResourceLock } from './lease-lock';
import { RestClient } from './rest-client';
import { FakeApiServer } from './testing/fake-api';
import { settle } from './testing/settle';
import type { Transport } from './transport';

const TIMING = { leaseDurationMs: 15_000, renewDeadlineMs: 10_000, retryPeriodMs: 2_000 };

interface Candidate {
  id: string;
  elector: LeaderElector;
  stop: AbortController;
  done: Promise<void>;
  /** Cuts this candidate off the apiserver (its requests fail as refused connections). */
  net: { down: boolean };
  /** Clock times at which the server answered this candidate's Lease writes with success. */
  writes: number[];
}

interface CandidateOptions {
  /** Offset of this candidate's wall clock (the times it writes into the Lease) from the others'. */
  wallSkewMs?: number;
  /** The lock the elector gets, made from the LeaseLock (e.g. one without watch). */
  wrapLock?: (lock: LeaseLock) => ResourceLock;
}

function world(): { clock: ManualClock; fake: FakeApiServer; log: string[]; candidate: (id: string, extra?: Partial<LeaderElectionConfig>, opts?: CandidateOptions) => Candidate } {
  const clock = new ManualClock();
  const fake = new FakeApiServer({ clock });
  const log: string[] = [];
  const candidate = (id: string, extra: Partial<LeaderElectionConfig> = {}, opts: CandidateOptions = {}): Candidate => {
    const net = { down: false };
    const writes: number[] = [];
    const transport: Transport = {
      request: async (r) => {
        if (net.down) throw new ConnectionError('unreachable');
        const res = await fake.request(r);
        if (r.method !== 'GET' && res.status < 300) writes.push(clock.now());
        return res;
      },
      stream: (r) => (net.down ? Promise.reject(new ConnectionError('unreachable')) : fake.stream(r)),
    };
    const own = opts.wallSkewMs === undefined ? clock : skewed(clock, opts.wallSkewMs);
    const client = new RestClient({ transport, clock: own, qps: 0 });
    const lock = new LeaseLock(client, 'kube-system', 'kube-scheduler', id);
    const elector = new LeaderElector({
      lock: opts.wrapLock ? opts.wrapLock(lock) : lock,
      ...TIMING,
      callbacks: {
        onStartedLeading: (signal) => {
          log.push(`${clock.now()} ${id} started`);
          signal.addEventListener('abort', () => log.push(`${clock.now()} ${id} signal aborted`));
        },
        onStoppedLeading: () => log.push(`${clock.now()} ${id} stopped`),
        onNewLeader: (leader) => log.push(`${clock.now()} ${id} sees ${leader}`),
      },
      clock: own,
      rng: new SeededRng(id.charCodeAt(0)),
      ...extra,
    });
    const stop = new AbortController();
    return { id, elector, stop, net, writes, done: elector.run(stop.signal) };
  };
  return { clock, fake, log, candidate };
}

/** The same time and timers, with a wall clock `skewMs` off: another machine's clock. */
function skewed(clock: ManualClock, skewMs: number): Clock {
  return {
    now: () => clock.now(),
    wallNow: () => clock.wallNow() + skewMs,
    setTimeout: (fn, ms) => clock.setTimeout(fn, ms),
    setInterval: (fn, ms) => clock.setInterval(fn, ms),
    sleep: (ms) => clock.sleep(ms),
  };
}

async function run(clock: ManualClock, ms: number, step = 100): Promise<void> {
  for (let t = 0; t < ms; t += step) {
    await clock.advanceAsync(step);
    await settle(3);
  }
}

const lease = (fake: FakeApiServer): Lease | undefined => fake.object<Lease>(LEASES, 'kube-system', 'kube-scheduler');

/** Clock time of the first log line ending with `what` (NaN if none). */
const at = (log: string[], what: string): number => Number(log.find((l) => l.endsWith(what))?.split(' ')[0]);

describe('LeaderElector', () => {
  it('validates timings as client-go does', () => {
    const { candidate } = world();
    const base = candidate('x');
    base.stop.abort();
    const make = (t: Partial<LeaderElectionConfig>): LeaderElector =>
      new LeaderElector({ ...TIMING, lock: new LeaseLock(new FakeApiServer().client(), 'ns', 'l', 'id'), callbacks: { onStartedLeading: () => undefined, onStoppedLeading: () => undefined }, clock: new ManualClock(), rng: new SeededRng(1), ...t });
    expect(() => make({ leaseDurationMs: 10_000 })).toThrow('leaseDuration must be greater than renewDeadline');
    expect(() => make({ renewDeadlineMs: 2_400 })).toThrow('renewDeadline must be greater than retryPeriod*JitterFactor');
    expect(() => make({ retryPeriodMs: 0 })).toThrow('retryPeriod must be greater than zero');
    expect(() => make({ lock: new LeaseLock(new FakeApiServer().client(), 'ns', 'l', '') })).toThrow('Lock identity is empty');
    expect(make({}).isLeader()).toBe(false);
  });

  it('one of two candidates leads and renews; the other takes over only after the lease expires', async () => {
    const { clock, fake, log, candidate } = world();
    const a = candidate('a');
    await settle();
    expect(a.elector.isLeader()).toBe(true);
    const b = candidate('b');
    await run(clock, 30_000);
    expect(b.elector.isLeader()).toBe(false);
    expect(b.elector.getLeader()).toBe('a');
    const held = lease(fake);
    expect(held?.spec).toMatchObject({ holderIdentity: 'a', leaseDurationSeconds: 15, leaseTransitions: 0 });
    expect(held?.spec?.renewTime).not.toBe(held?.spec?.acquireTime);
    expect(held?.spec?.renewTime).toMatch(/^2026-01-01T00:00:\d\d\.\d{6}Z$/);

    // a can no longer reach the apiserver: it stops leading within renewDeadline, and b takes over
    // no sooner than leaseDuration after it last saw a renewal.
    const lastRenewal = Date.parse(held?.spec?.renewTime ?? '') - Date.UTC(2026, 0, 1);
    a.net.down = true;
    await run(clock, 30_000);
    const when = (what: string): number => Number(log.find((l) => l.endsWith(what))?.split(' ')[0]);
    expect(when('a stopped')).toBeLessThanOrEqual(lastRenewal + TIMING.renewDeadlineMs + TIMING.retryPeriodMs);
    expect(when('a signal aborted')).toBe(when('a stopped'));
    expect(when('b started')).toBeGreaterThanOrEqual(lastRenewal + TIMING.leaseDurationMs);
    expect(when('a stopped')).toBeLessThan(when('b started'));
    expect(log).toContain(`${when('b started')} b sees b`);
    expect(lease(fake)?.spec).toMatchObject({ holderIdentity: 'b', leaseTransitions: 1 });
    await a.done;
    b.stop.abort();
    await b.done;
  });

  it('a leader whose renewals hang stops leading at renewDeadline', async () => {
    const { clock, fake, log, candidate } = world();
    const a = candidate('a');
    await run(clock, 3_000);
    expect(a.elector.isLeader()).toBe(true);
    fake.injectFailure({ resource: 'leases', error: 'hang', times: Infinity });
    const since = clock.now();
    await run(clock, 15_000);
    const stopped = Number(log.find((l) => l.endsWith('a stopped'))?.split(' ')[0]);
    expect(stopped - since).toBeGreaterThan(TIMING.renewDeadlineMs - TIMING.retryPeriodMs);
    expect(stopped - since).toBeLessThanOrEqual(TIMING.renewDeadlineMs + TIMING.retryPeriodMs);
    await a.done;
  });

  it('two candidates starting together: exactly one wins the create', async () => {
    const { clock, log, candidate } = world();
    const a = candidate('a');
    const b = candidate('b');
    await run(clock, 10_000);
    expect(log.filter((l) => l.endsWith('started'))).toHaveLength(1);
    expect([a.elector.isLeader(), b.elector.isLeader()].sort()).toEqual([false, true]);
    a.stop.abort();
    b.stop.abort();
    await Promise.all([a.done, b.done]);
  });

  it('releaseOnCancel hands the lease over without waiting for it to expire', async () => {
    const { clock, fake, log, candidate } = world();
    const a = candidate('a', { releaseOnCancel: true });
    await settle();
    const b = candidate('b');
    await run(clock, 5_000);
    const stoppedAt = clock.now();
    a.stop.abort();
    await a.done;
    expect(lease(fake)?.spec?.holderIdentity).toBe('');
    // b's watch shows the release: it takes the lease with no time passing, not at its next poll (up to 4.4 s on).
    await settle();
    expect(at(log, 'b started')).toBe(stoppedAt);
    expect(lease(fake)?.spec).toMatchObject({ holderIdentity: 'b', leaseTransitions: 1 });
    b.stop.abort();
    await b.done;
  });
});

/** a leads and b stands by; a renews for a while, then dies (SIGKILL: no release) at an arbitrary point of its renew period. */
async function leaderDies(w: ReturnType<typeof world>, seed: number, opts: { a?: CandidateOptions; b?: CandidateOptions } = {}): Promise<{ a: Candidate; b: Candidate; lastRenewal: number }> {
  const a = w.candidate('a', {}, opts.a);
  await settle();
  expect(a.elector.isLeader()).toBe(true);
  const b = w.candidate('b', { rng: new SeededRng(seed) }, opts.b);
  await run(w.clock, 20_000 + Math.floor(new SeededRng(1000 + seed).next() * 4_000));
  expect(b.elector.getLeader()).toBe('a');
  expect(at(w.log, 'b started')).toBeNaN();
  a.net.down = true;
  a.stop.abort();
  await a.done;
  return { a, b, lastRenewal: a.writes[a.writes.length - 1] ?? NaN };
}

describe('LeaderElector takeover after the leader dies (lease 15 s, renew deadline 10 s, retry 2 s)', () => {
  it.each([1, 2, 3, 4, 5, 6, 7, 8])('the standby follows the renewals on a watch and takes over at leaseDuration after the last one (seed %i)', async (seed) => {
    const w = world();
    const { b, lastRenewal } = await leaderDies(w, seed);
    // Only the standby watches the Lease; a leader does not.
    expect(w.fake.watchCount('leases')).toBe(1);
    await run(w.clock, 20_000, 10);
    const started = at(w.log, 'b started');
    // Never before the lease expired (safety), and not a poll period after it (issue 5: <= lease + 1 s).
    expect(started).toBeGreaterThanOrEqual(lastRenewal + TIMING.leaseDurationMs);
    expect(started).toBeLessThanOrEqual(lastRenewal + TIMING.leaseDurationMs + 20);
    expect(lease(w.fake)?.spec).toMatchObject({ holderIdentity: 'b', leaseTransitions: 1 });
    expect(w.fake.watchCount('leases')).toBe(0);
    b.stop.abort();
    await b.done;
  });

  it("never takes over before leaseDuration after it saw the last renewal, even with the holder's clock a minute behind", async () => {
    const w = world();
    // a's renewTimes are a minute old by b's clock: judged by timestamps, the lease would look expired all along.
    const { b, lastRenewal } = await leaderDies(w, 3, { a: { wallSkewMs: -60_000 } });
    await run(w.clock, lastRenewal + TIMING.leaseDurationMs - 10 - w.clock.now(), 10);
    expect(at(w.log, 'b started')).toBeNaN();
    expect(b.elector.getLeader()).toBe('a');
    await run(w.clock, 1_000, 10);
    expect(at(w.log, 'b started')).toBeGreaterThanOrEqual(lastRenewal + TIMING.leaseDurationMs);
    b.stop.abort();
    await b.done;
  });

  const withoutWatch = (l: LeaseLock): ResourceLock => ({
    identity: l.identity,
    get: (signal) => l.get(signal),
    create: (r, signal) => l.create(r, signal),
    update: (r, signal) => l.update(r, signal),
    describe: () => l.describe(),
  });

  it.each([
    ['the lock has no watch', false],
    ['the server refuses the watch', true],
  ])('polls when %s, and still wakes when the lease it observed expires', async (_what, refuse) => {
    const w = world();
    if (refuse) w.fake.injectFailure({ verb: 'watch', resource: 'leases', code: 503, times: Infinity });
    const { b, lastRenewal } = await leaderDies(w, 5, refuse ? {} : { b: { wrapLock: withoutWatch } });
    expect(w.fake.watchCount('leases')).toBe(0);
    await run(w.clock, 25_000, 10);
    // It noticed the last renewal at a poll, up to a jittered retry period late, but took over at
    // the expiry of what it observed rather than at the next poll after it.
    const started = at(w.log, 'b started');
    expect(started).toBeGreaterThanOrEqual(lastRenewal + TIMING.leaseDurationMs);
    expect(started).toBeLessThanOrEqual(lastRenewal + TIMING.leaseDurationMs + (1 + 1.2) * TIMING.retryPeriodMs + 20);
    // Retried with backoff (2 s, 4 s, 8 s, 16 s...), not in a loop.
    const tries = w.fake.actions({ verb: 'watch', resource: 'leases' }).length;
    if (refuse) expect(tries).toBeGreaterThanOrEqual(3);
    expect(tries).toBeLessThanOrEqual(refuse ? 7 : 0);
    b.stop.abort();
    await b.done;
  });

  it('opens the watch again after it breaks, and takes over promptly with the new one', async () => {
    const w = world();
    const a = w.candidate('a');
    await settle();
    const b = w.candidate('b', { rng: new SeededRng(11) });
    await run(w.clock, 5_000);
    for (let i = 0; i < 3; i++) {
      w.fake.breakWatches('leases');
      await settle();
      expect(w.fake.watchCount('leases')).toBe(0);
      // Reopened after the first backoff (retryPeriod plus up to 20%).
      await run(w.clock, 2_500);
      expect(w.fake.watchCount('leases')).toBe(1);
    }
    await run(w.clock, 3_000);
    a.net.down = true;
    a.stop.abort();
    await a.done;
    const lastRenewal = a.writes[a.writes.length - 1] ?? NaN;
    await run(w.clock, 20_000, 10);
    const started = at(w.log, 'b started');
    expect(started).toBeGreaterThanOrEqual(lastRenewal + TIMING.leaseDurationMs);
    expect(started).toBeLessThanOrEqual(lastRenewal + TIMING.leaseDurationMs + 20);
    b.stop.abort();
    await b.done;
  });
});
