/**
 * kube-scheduler, with its flags. Informers start at once, so that a standby replica keeps a warm
 * cache; the scheduling loop runs only while this replica holds the Lease
 * kube-system/kube-scheduler (--leader-elect, the default). A leader that cannot renew within
 * --leader-elect-renew-deadline stops and exits, as kube-scheduler does ("leaderelection lost"),
 * and its supervisor restarts it as a candidate. /healthz, /readyz and /metrics are served on
 * --bind-address:--secure-port (plain HTTP in kubemu).
 */
import { randomUUID } from 'node:crypto';
import os from 'node:os';
import { parseArgs } from 'node:util';
import { RealClock, SeededRng, createLogger } from '@kubemu/base';
import { EventRecorder, LeaderElector, LeaseLock, RestClient, SharedInformerFactory, loadRestConfig } from '@kubemu/client';
import { startHealthServer } from './health-server';
import { Scheduler } from './scheduler';

// Boolean flags as pflag takes them: bare (--leader-elect) or with a value (--leader-elect=false).
const BOOLEAN_FLAGS = new Set(['--leader-elect']);
const args = process.argv.slice(2).map((a) => (BOOLEAN_FLAGS.has(a) ? `${a}=true` : a));

const { values: f } = parseArgs({
  args,
  options: {
    kubeconfig: { type: 'string' },
    master: { type: 'string' },
    'leader-elect': { type: 'string', default: 'true' },
    'leader-elect-lease-duration': { type: 'string', default: '15s' },
    'leader-elect-renew-deadline': { type: 'string', default: '10s' },
    'leader-elect-retry-period': { type: 'string', default: '2s' },
    'leader-elect-resource-lock': { type: 'string', default: 'leases' },
    'leader-elect-resource-name': { type: 'string', default: 'kube-scheduler' },
    'leader-elect-resource-namespace': { type: 'string', default: 'kube-system' },
    'secure-port': { type: 'string', default: '10259' },
    'bind-address': { type: 'string', default: '0.0.0.0' },
    'kube-api-qps': { type: 'string', default: '50' },
    'kube-api-burst': { type: 'string', default: '100' },
    'percentage-of-nodes-to-score': { type: 'string', default: '0' },
    'pod-initial-backoff-seconds': { type: 'string', default: '1' },
    'pod-max-backoff-seconds': { type: 'string', default: '10' },
    v: { type: 'string' },
  },
  allowPositionals: false,
});

const log = createLogger({ component: 'kube-scheduler' });
/** Scheduled/FailedScheduling events written at once (each pod's own; one at a time fell behind at a few hundred pods/s and dropped them). */
const EVENT_WRITERS = 16;

/** Go durations as the flags take them: 15s, 1m30s, 500ms. */
function duration(flag: string): number {
  const s = f[flag as keyof typeof f] as string;
  const units: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
  let total = 0;
  let matched = '';
  for (const m of s.matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h)/g)) {
    total += Number(m[1]) * units[m[2]!]!;
    matched += m[0];
  }
  if (matched !== s || total <= 0) throw new Error(`invalid argument "${s}" for "--${flag}" flag: time: invalid duration "${s}"`);
  return total;
}

async function main(): Promise<void> {
  const clock = new RealClock();
  const rng = new SeededRng(Date.now() >>> 0);
  const config = loadRestConfig({ ...(f.kubeconfig !== undefined ? { kubeconfig: f.kubeconfig } : {}), ...(f.master !== undefined ? { master: f.master } : {}) });
  const client = RestClient.fromConfig(config, { clock, qps: Number(f['kube-api-qps']), burst: Number(f['kube-api-burst']), userAgent: 'kube-scheduler/v1.32.0 (kubemu)' });
  const identity = `${os.hostname()}_${randomUUID()}`;
  const informers = new SharedInformerFactory(client, { clock, rng: rng.fork(), logger: log });
  // Events go through a client of their own, as kube-scheduler's eventClient: with its own rate
  // limiter, so that a Scheduled event per pod does not halve the QPS left for bindings.
  const eventClient = RestClient.fromConfig(config, { clock, qps: Number(f['kube-api-qps']), burst: Number(f['kube-api-burst']), userAgent: 'kube-scheduler/v1.32.0 (kubemu) events' });
  const recorder = new EventRecorder({ client: eventClient, component: 'default-scheduler', clock, rng: rng.fork(), logger: log, maxInFlight: EVENT_WRITERS });
  const scheduler = new Scheduler({
    client,
    informers,
    clock,
    rng: rng.fork(),
    log,
    recorder,
    percentageOfNodesToScore: Number(f['percentage-of-nodes-to-score']),
    podInitialBackoffMs: Number(f['pod-initial-backoff-seconds']) * 1000,
    podMaxBackoffMs: Number(f['pod-max-backoff-seconds']) * 1000,
  });
  scheduler.startInformers();
  informers.start();
  let synced = false;
  void scheduler.waitForCacheSync().then((ok) => (synced = ok));
  const health = await startHealthServer(f['bind-address'], Number(f['secure-port']), () => scheduler.metrics.render(), () => synced);
  log.info('serving healthz and metrics', { address: f['bind-address'], port: health.port, identity });

  const stop = new AbortController();
  const shutdown = (): void => {
    log.info('shutting down');
    stop.abort();
  };
  process.on('SIGTERM', shutdown);
  process.on('SIGINT', shutdown);

  const leaderName = f['leader-elect-resource-name'];
  if (f['leader-elect'] === 'false') {
    scheduler.metrics.leader.set({ name: leaderName }, 1);
    await scheduler.run(stop.signal);
  } else {
    if (f['leader-elect-resource-lock'] !== 'leases') throw new Error(`--leader-elect-resource-lock=${f['leader-elect-resource-lock']}: only leases is supported`);
    scheduler.metrics.leader.set({ name: leaderName }, 0);
    const elector = new LeaderElector({
      // A client of its own, as kube-scheduler's leader-election client: renewals must not queue
      // behind the scheduler's rate-limited bindings and status writes.
      lock: new LeaseLock(RestClient.fromConfig(config, { clock, userAgent: 'kube-scheduler/v1.32.0 (kubemu) leader-election' }), f['leader-elect-resource-namespace'], leaderName, identity),
      leaseDurationMs: duration('leader-elect-lease-duration'),
      renewDeadlineMs: duration('leader-elect-renew-deadline'),
      retryPeriodMs: duration('leader-elect-retry-period'),
      releaseOnCancel: true,
      clock,
      rng: rng.fork(),
      logger: log,
      callbacks: {
        onStartedLeading: (signal) => {
          scheduler.metrics.leader.set({ name: leaderName }, 1);
          return scheduler.run(signal);
        },
        onStoppedLeading: () => {
          scheduler.metrics.leader.set({ name: leaderName }, 0);
          if (stop.signal.aborted) return;
          log.error('leaderelection lost');
          process.exit(1);
        },
        onNewLeader: (id) => log.info('new leader elected', { identity: id, self: id === identity }),
      },
    });
    await elector.run(stop.signal);
  }
  recorder.shutdown();
  await Promise.all([scheduler.stop(), informers.shutdown(), health.close()]);
  process.exit(0);
}

main().catch((err: unknown) => {
  log.error('kube-scheduler failed', { err: String(err), stack: (err as Error).stack });
  process.exit(1);
});
