// Wiring: which controllers run (--controllers), each with its context (one informer factory for
// all; its own client, event source and worker count), started together and stopped together
// when the leader's signal aborts.
import type { Clock, Logger, Rng } from '@kubemu/base';
import { EventRecorder, SharedInformerFactory } from '@kubemu/client';
import type { RestClient } from '@kubemu/client';
import type { Controller, ControllerContext, ControllerFactory, ControllerOptions } from './controller';
import { CONTROLLERS, DISABLED_BY_DEFAULT } from './controllers/all';

/**
 * Names that mean the same controller: kube-controller-manager's canonical names (1.28+) and
 * their older aliases. Whichever of a group the table uses is the one that runs.
 */
const EQUIVALENT_NAMES: readonly (readonly string[])[] = [
  ['endpoint', 'endpoints', 'endpoints-controller'],
  ['replicationcontroller', 'replicationcontroller-controller'],
  ['replicaset', 'replicaset-controller'],
  ['deployment', 'deployment-controller'],
  ['statefulset', 'statefulset-controller'],
  ['daemonset', 'daemonset-controller'],
  ['job', 'job-controller'],
  ['cronjob', 'cronjob-controller'],
  ['namespace', 'namespace-controller'],
  ['serviceaccount', 'serviceaccount-controller'],
  ['garbagecollector', 'garbage-collector-controller'],
  ['root-ca-cert-publisher', 'root-ca-certificate-publisher-controller'],
  ['nodeipam', 'node-ipam-controller'],
  ['nodelifecycle', 'node-lifecycle-controller'],
  ['persistentvolume-binder', 'persistentvolume', 'persistentvolume-binder-controller'],
  ['horizontalpodautoscaling', 'horizontalpodautoscaler', 'horizontal-pod-autoscaler-controller'],
];

/**
 * The name each controller's client carries at the end of its user agent, kube-controller-
 * manager's ClientOrDie names (also its service accounts in kube-system); node IPAM, node
 * lifecycle and taint eviction each get a client of their own under the one name "node-controller".
 */
const CLIENT_NAMES: Readonly<Record<string, string>> = {
  deployment: 'deployment-controller',
  endpoint: 'endpoint-controller',
  garbagecollector: 'generic-garbage-collector',
  namespace: 'namespace-controller',
  replicaset: 'replicaset-controller',
  replicationcontroller: 'replication-controller',
  'root-ca-cert-publisher': 'root-ca-cert-publisher',
  serviceaccount: 'service-account-controller',
  cronjob: 'cronjob-controller',
  daemonset: 'daemon-set-controller',
  horizontalpodautoscaling: 'horizontal-pod-autoscaler',
  job: 'job-controller',
  nodeipam: 'node-controller',
  nodelifecycle: 'node-controller',
  'persistentvolume-binder': 'persistent-volume-binder',
  statefulset: 'statefulset-controller',
  'taint-eviction-controller': 'node-controller',
  'ttl-after-finished': 'ttl-after-finished-controller',
};

/** The table's name for what the user wrote, or undefined if no controller answers to it. */
export function resolveControllerName(name: string, table: Readonly<Record<string, ControllerFactory>> = CONTROLLERS): string | undefined {
  if (name in table) return name;
  const group = EQUIVALENT_NAMES.find((g) => g.includes(name));
  return group?.find((n) => n in table);
}

/**
 * The controllers --controllers enables, as kube decides it: "foo" enables, "-foo" disables,
 * "*" enables everything not disabled by default; the first mention of a controller wins.
 * Unknown names are an error, worded as kube-controller-manager words it.
 */
export function enabledControllers(spec: readonly string[], table: Readonly<Record<string, ControllerFactory>> = CONTROLLERS, disabledByDefault: ReadonlySet<string> = DISABLED_BY_DEFAULT): string[] {
  const decisions = new Map<string, boolean>();
  let star = false;
  for (const raw of spec.map((s) => s.trim()).filter((s) => s !== '')) {
    if (raw === '*') {
      star = true;
      continue;
    }
    const off = raw.startsWith('-');
    const name = resolveControllerName(off ? raw.slice(1) : raw, table);
    if (name === undefined) throw new Error(`"${off ? raw.slice(1) : raw}" is not in the list of known controllers`);
    if (!decisions.has(name)) decisions.set(name, !off);
  }
  return Object.keys(table)
    .filter((n) => decisions.get(n) ?? (star && !disabledByDefault.has(n)))
    .sort();
}

export interface ControllerManagerOptions {
  /**
   * The process's client. Each controller works through one of its own made from it (same
   * connections, its own qps and burst, "<user agent>/<controller's client name>"), the shared
   * informers through "<user agent>/shared-informers"; events go through this one, as
   * kube-controller-manager's event broadcaster does.
   */
  client: RestClient;
  clock: Clock;
  rng: Rng;
  log: Logger;
  /** Names from enabledControllers. */
  controllers: readonly string[];
  options: ControllerOptions;
  /** --concurrent-*-syncs by controller name (default: options.workers). */
  concurrentSyncs?: Readonly<Record<string, number>>;
  table?: Readonly<Record<string, ControllerFactory>>;
}

/** One leadership term's worth of controllers: build, run until the signal aborts, stop. */
export class ControllerManager {
  readonly informers: SharedInformerFactory;
  readonly controllers: Controller[] = [];
  private readonly recorders: EventRecorder[] = [];

  constructor(private readonly opts: ControllerManagerOptions) {
    this.informers = new SharedInformerFactory(opts.client.withUserAgent(`${opts.client.userAgent}/shared-informers`), { clock: opts.clock, rng: opts.rng.fork(), logger: opts.log });
    const table = opts.table ?? CONTROLLERS;
    for (const name of opts.controllers) {
      const factory = table[name];
      if (factory === undefined) throw new Error(`"${name}" is not in the list of known controllers`);
      this.controllers.push(factory(this.contextFor(name)));
      opts.log.info('started controller', { controller: name });
    }
  }

  private contextFor(name: string): ControllerContext {
    const { client, clock, rng, log } = this.opts;
    const workers = this.opts.concurrentSyncs?.[name] ?? this.opts.options.workers;
    return {
      client: client.withUserAgent(`${client.userAgent}/${CLIENT_NAMES[name] ?? name}`),
      informers: this.informers,
      clock,
      rng: rng.fork(),
      log,
      recorder: (component) => {
        const r = new EventRecorder({ client, component, clock, rng: rng.fork(), logger: log, maxInFlight: 8 });
        this.recorders.push(r);
        return r;
      },
      options: { ...this.opts.options, workers },
    };
  }

  /** Starts the informers and every controller; resolves when `signal` has aborted and all have stopped. */
  async run(signal: AbortSignal): Promise<void> {
    this.informers.start();
    await Promise.all(
      this.controllers.map((c) =>
        c.run(signal).catch((err: unknown) => this.opts.log.error('controller failed', { controller: c.name, error: (err as Error).message })),
      ),
    );
    await this.informers.shutdown();
    for (const r of this.recorders) r.shutdown();
  }

  /** Keys waiting in each controller's work queue, for /metrics (workqueue_depth). */
  queueDepths(): { name: string; depth: number }[] {
    const out: { name: string; depth: number }[] = [];
    for (const c of this.controllers) {
      const queue = (c as { queue?: { len(): number } }).queue;
      if (queue !== undefined && typeof queue.len === 'function') out.push({ name: c.name, depth: queue.len() });
    }
    return out;
  }
}
