/**
 * kube-controller-manager, with its flags. Replicas contend for the Lease
 * kube-system/kube-controller-manager (--leader-elect, the default); only the leader builds the
 * informers and runs the controllers. A leader that cannot renew within
 * --leader-elect-renew-deadline exits ("leaderelection lost"), as kube-controller-manager does,
 * and its supervisor restarts it as a candidate. /healthz and /metrics are served on
 * --bind-address:--secure-port (plain HTTP in kubemu).
 */
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import { RealClock, SeededRng, createLogger } from '@kubemu/base';
import { EventRecorder, LEASES, LeaderElector, LeaseLock, RestClient, loadRestConfig } from '@kubemu/client';
import { Gauge, Registry, collectDefaultMetrics } from 'prom-client';
import type { ControllerOptions } from './controller';
import { ControllerManager, enabledControllers } from './controller-manager';
import { boolFlag, concurrentSyncs, durationFlag, intFlag, parseFlags } from './flags';
import type { Flags } from './flags';
import { startHealthServer } from './health-server';

const log = createLogger({ component: 'kube-controller-manager' });

function controllerOptions(f: Flags, rootCaPem: string | undefined): ControllerOptions {
  // Pods on a NotReady node are evicted after the default toleration (300 s), or --pod-eviction-timeout.
  const toleration = f['default-not-ready-toleration-seconds'] !== '' ? intFlag(f, 'default-not-ready-toleration-seconds') * 1000 : durationFlag(f, 'pod-eviction-timeout');
  const options: ControllerOptions = {
    workers: 5,
    nodeMonitorGracePeriodMs: durationFlag(f, 'node-monitor-grace-period'),
    podEvictionTimeoutMs: toleration,
    clusterCidr: f['cluster-cidr'],
    hpaSyncPeriodMs: durationFlag(f, 'horizontal-pod-autoscaler-sync-period'),
    hpaDownscaleStabilizationMs: durationFlag(f, 'horizontal-pod-autoscaler-downscale-stabilization'),
  };
  if (rootCaPem !== undefined) options.rootCaPem = rootCaPem;
  return options;
}

async function main(): Promise<void> {
  const f = parseFlags(process.argv.slice(2));
  const clock = new RealClock();
  const rng = new SeededRng(Date.now() >>> 0);
  const config = loadRestConfig({ ...(f.kubeconfig !== '' ? { kubeconfig: f.kubeconfig } : {}), ...(f.master !== '' ? { master: f.master } : {}) });
  const client = RestClient.fromConfig(config, { clock, qps: Number(f['kube-api-qps']), burst: Number(f['kube-api-burst']), userAgent: 'kube-controller-manager/v1.32.0 (kubemu)', logger: log });
  const rootCa = f['root-ca-file'] !== '' ? fs.readFileSync(f['root-ca-file'], 'utf8') : config.caPem;
  let names = enabledControllers(f.controllers.split(','));
  if (!boolFlag(f, 'allocate-node-cidrs') && names.includes('nodeipam')) {
    log.info('skipping controller: --allocate-node-cidrs is false', { controller: 'nodeipam' });
    names = names.filter((n) => n !== 'nodeipam');
  }
  const options = controllerOptions(f, rootCa);
  const identity = `${os.hostname()}_${randomUUID()}`;
  const leaseName = f['leader-elect-resource-name'];
  const leaseNs = f['leader-elect-resource-namespace'];

  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const leaderGauge = new Gauge({ name: 'leader_election_master_status', help: 'Gauge of if the reporting system is master of the relevant lease, 0 indicates backup, 1 indicates master.', labelNames: ['name'], registers: [registry] });
  let current: ControllerManager | undefined;
  new Gauge({
    name: 'workqueue_depth',
    help: 'Current depth of workqueue',
    labelNames: ['name'],
    registers: [registry],
    collect() {
      this.reset();
      for (const q of current?.queueDepths() ?? []) this.set({ name: q.name }, q.depth);
    },
  });
  const health = await startHealthServer(f['bind-address'], intFlag(f, 'secure-port'), registry);
  log.info('serving healthz and metrics', { address: f['bind-address'], port: health.port, identity, controllers: names });

  const stop = new AbortController();
  const shutdown = (): void => {
    log.info('shutting down');
    stop.abort();
  };
  process.on('SIGTERM', shutdown);
  process.on('SIGINT', shutdown);

  const lead = async (signal: AbortSignal): Promise<void> => {
    leaderGauge.set({ name: leaseName }, 1);
    current = new ControllerManager({ client, clock, rng: rng.fork(), log, controllers: names, options, concurrentSyncs: concurrentSyncs(f) });
    await current.run(signal);
  };

  if (!boolFlag(f, 'leader-elect')) {
    await lead(stop.signal);
  } else {
    if (f['leader-elect-resource-lock'] !== 'leases') throw new Error(`--leader-elect-resource-lock=${f['leader-elect-resource-lock']}: only leases is supported`);
    leaderGauge.set({ name: leaseName }, 0);
    let running: Promise<void> | undefined;
    const recorder = new EventRecorder({ client, component: 'kube-controller-manager', clock, rng: rng.fork(), logger: log });
    const elector = new LeaderElector({
      // A client of its own, as kube-controller-manager's "leader-election" client: renewals must not
      // queue behind the controllers' rate-limited requests.
      lock: new LeaseLock(RestClient.fromConfig(config, { clock, userAgent: 'kube-controller-manager/v1.32.0 (kubemu) leader-election', logger: log }), leaseNs, leaseName, identity),
      leaseDurationMs: durationFlag(f, 'leader-elect-lease-duration'),
      renewDeadlineMs: durationFlag(f, 'leader-elect-renew-deadline'),
      retryPeriodMs: durationFlag(f, 'leader-elect-retry-period'),
      clock,
      rng: rng.fork(),
      logger: log,
      callbacks: {
        onStartedLeading: (signal) => {
          recorder.eventf({ kind: 'Lease', apiVersion: `${LEASES.group}/${LEASES.version}`, namespace: leaseNs, name: leaseName }, 'Normal', 'LeaderElection', '%s became leader', identity);
          running = lead(signal);
          return running;
        },
        onStoppedLeading: () => {
          leaderGauge.set({ name: leaseName }, 0);
          if (stop.signal.aborted) return;
          log.error('leaderelection lost');
          process.exit(1);
        },
        onNewLeader: (id) => log.info('new leader elected', { identity: id, self: id === identity }),
      },
    });
    await elector.run(stop.signal);
    // Let the controllers finish the keys they hold before the process goes.
    await running;
    recorder.shutdown();
  }
  await health.close();
  process.exit(0);
}

main().catch((err: unknown) => {
  log.error('kube-controller-manager failed', { err: String(err), stack: (err as Error).stack });
  process.exit(1);
});
