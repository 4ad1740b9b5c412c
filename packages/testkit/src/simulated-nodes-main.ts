/**
 * simulated-nodes: kubelets without containers for benches and tests (`--simulated` is the only
 * mode). Registers --nodes Nodes named --prefix0.. with the given capacity, renews their Leases,
 * and runs the pods bound to them (Running and Ready after --pod-start-delay; `never` leaves them
 * Pending, as scheduler_perf's nodes without kubelets do). --node-lease-renew-interval=never writes
 * each Lease once, at registration, and never renews it.
 *
 *   node packages/testkit/dist/simulated-nodes-main.js --kubeconfig admin.conf --nodes 100 \
 *     --prefix node- --cpu 4 --memory 16Gi --pods 110
 */
import { parseArgs } from 'node:util';
import { RealClock, SeededRng, createLogger } from '@kubemu/base';
import { RestClient, loadRestConfig } from '@kubemu/client';
import { parseDuration } from './duration';
import { SimulatedNodes } from './simulated-nodes';

const { values: f } = parseArgs({
  options: {
    kubeconfig: { type: 'string' },
    master: { type: 'string' },
    simulated: { type: 'boolean', default: true },
    nodes: { type: 'string', default: '1' },
    prefix: { type: 'string', default: 'node-' },
    cpu: { type: 'string', default: '4' },
    memory: { type: 'string', default: '16Gi' },
    pods: { type: 'string', default: '110' },
    'pod-start-delay': { type: 'string', default: '1s' },
    'node-lease-renew-interval': { type: 'string', default: '10s' },
    'kube-api-qps': { type: 'string', default: '500' },
    'kube-api-burst': { type: 'string', default: '1000' },
    seed: { type: 'string' },
  },
  allowPositionals: false,
});

const log = createLogger({ component: 'simulated-nodes' });

function duration(flag: string, value: string): number {
  const ms = parseDuration(value);
  if (ms === undefined) throw new Error(`invalid duration for --${flag}: ${value}`);
  return ms;
}

async function main(): Promise<void> {
  const clock = new RealClock();
  const rng = new SeededRng(f.seed !== undefined ? Number(f.seed) : Date.now() >>> 0);
  const config = loadRestConfig({ ...(f.kubeconfig !== undefined ? { kubeconfig: f.kubeconfig } : {}), ...(f.master !== undefined ? { master: f.master } : {}) });
  const client = RestClient.fromConfig(config, { clock, qps: Number(f['kube-api-qps']), burst: Number(f['kube-api-burst']), userAgent: 'kubemu-simulated-nodes/v0.1.0' });
  const nodes = new SimulatedNodes({
    client,
    clock,
    rng,
    log,
    count: Number(f.nodes),
    prefix: f.prefix,
    shape: { cpu: f.cpu, memory: f.memory, pods: f.pods },
    podStartDelayMs: f['pod-start-delay'] === 'never' ? Infinity : duration('pod-start-delay', f['pod-start-delay']),
    leaseRenewIntervalMs: f['node-lease-renew-interval'] === 'never' ? Infinity : duration('node-lease-renew-interval', f['node-lease-renew-interval']),
  });
  await nodes.start();
  log.info('simulated nodes registered', { nodes: nodes.nodeNames().length, prefix: f.prefix });
  const stop = (): void => {
    log.info('shutting down');
    void nodes.stop().then(() => process.exit(0));
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

main().catch((err: unknown) => {
  log.error('simulated nodes failed', { err: String(err), stack: (err as Error).stack });
  process.exit(1);
});
