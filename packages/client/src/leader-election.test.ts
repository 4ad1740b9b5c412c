import { ManualClock, SeededRng } from '@kubemu/base';
import type { Lease } from '@kubemu/api';
import { ConnectionError } from './api-error';
import { LeaderElector } from './leader-election';
import type { LeaderElectionConfig } from './leader-election';
import { LEASES, LeaseLock } from './lease-lock';
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
}

function world(): { clock: ManualClock; fake: FakeApiServer; log: string[]; candidate: (id: string, extra?: Partial<LeaderElectionConfig>) => Candidate } {
  const clock = new ManualClock();
  const fake = new FakeApiServer({ clock });
  const log: string[] = [];
  const candidate = (id: string, extra: Partial<LeaderElectionConfig> = {}): Candidate => {
    const net = { down: false };
    const transport: Transport = {
      request: (r) => (net.down ? Promise.reject(new ConnectionError('unreachable')) : fake.request(r)),
      stream: (r) => (net.down ? Promise.reject(new ConnectionError('unreachable')) : fake.stream(r)),
    };
    const client = new RestClient({ transport, clock, qps: 0 });
    const elector = new LeaderElector({
      lock: new LeaseLock(client, 'kube-system', 'kube-scheduler', id),
      ...TIMING,
      callbacks: {
        onStartedLeading: (signal) => {
          log.push(`${clock.now()} ${id} started`);
          signal.addEventListener('abort', () => log.push(`${clock.now()} ${id} signal aborted`));
        },
        onStoppedLeading: () => log.push(`${clock.now()} ${id} stopped`),
        onNewLeader: (leader) => log.push(`${clock.now()} ${id} sees ${leader}`),
      },
      clock,
      rng: new SeededRng(id.charCodeAt(0)),
      ...extra,
    });
    const stop = new AbortController();
    return { id, elector, stop, net, done: elector.run(stop.signal) };
  };
  return { clock, fake, log, candidate };
}

async function run(clock: ManualClock, ms: number): Promise<void> {
  for (let t = 0; t < ms; t += 100) {
    await clock.advanceAsync(100);
    await settle(3);
  }
}

const lease = (fake: FakeApiServer): Lease | undefined => fake.object<Lease>(LEASES, 'kube-system', 'kube-scheduler');

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
    await run(clock, 6_000);
    const started = Number(log.find((l) => l.endsWith('b started'))?.split(' ')[0]);
    expect(started - stoppedAt).toBeLessThan(TIMING.retryPeriodMs * (1 + 1.2) + 200);
    expect(lease(fake)?.spec).toMatchObject({ holderIdentity: 'b', leaseTransitions: 1 });
    b.stop.abort();
    await b.done;
  });
});
