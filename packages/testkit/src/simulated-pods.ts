// The pod side of the simulated kubelets: watches every pod bound to a node (one watch for all
// simulated nodes), moves those bound to one of ours to Running and Ready after a delay, finishes
// graceful deletions (the final grace-0 DELETE a kubelet sends once containers have stopped),
// and carries out the test hooks (fail, succeed, report cpu usage).
//
// Invariant: a pod is started at most once per uid, and never after a hook has terminated it or
// its deletion has begun; all decisions re-read the informer cache when a timer fires.
import type { Clock, Logger, Rng, Timer } from '@kubemu/base';
import type { Pod } from '@kubemu/api';
import { SharedInformer, deletedObject, isNotFound } from '@kubemu/client';
import type { ListOptions, ResourceClient, RestClient, WatchOptions } from '@kubemu/client';
import { runningStatus, terminatedStatus } from './pod-status';

export const PODS = { group: '', version: 'v1', resource: 'pods', namespaced: true } as const;

/**
 * The HPA contract: a pod's cpu usage, as a Kubernetes quantity of cores ("250m" = a quarter of a
 * core), summed over its containers, averaged over the last report window. Absent: no metrics.
 */
export const CPU_USAGE_ANNOTATION = 'kubemu.io/cpu-usage';

/** What the pod side needs to know about the nodes it simulates. */
export interface NodeDirectory {
  /** Whether `name` is a node simulated here (and still running). */
  has(name: string): boolean;
  hostIp(name: string): string;
  /** A pod address from the node's pod CIDR, or undefined when it has none left. */
  allocatePodIp(name: string): string | undefined;
  releasePodIp(name: string, ip: string): void;
}

export interface SimulatedPodsOptions {
  client: RestClient;
  clock: Clock;
  rng: Rng;
  log?: Logger;
  nodes: NodeDirectory;
  /** From seeing a pod bound to one of our nodes to reporting it Running (default 1 s); Infinity: never (pods stay Pending). */
  startDelayMs: number;
  /** From seeing a pod's deletionTimestamp to the kubelet's final delete (default 0). */
  deleteDelayMs: number;
  /** Computes a pod's cpu usage at every report (every usageReportIntervalMs); undefined: none. */
  usageFor?: (pod: Pod) => string | undefined;
  usageReportIntervalMs: number;
}

interface Tracked {
  uid: string;
  node: string;
  timer?: Timer;
  ip?: string;
  /** started: Running reported; done: terminated by a hook or being deleted. */
  state: 'pending' | 'started' | 'done';
  usage?: string;
}

const key = (ns: string, name: string): string => `${ns}/${name}`;

export class SimulatedPods {
  private readonly informer: SharedInformer<Pod>;
  private readonly pods: ResourceClient<Pod>;
  private readonly tracked = new Map<string, Tracked>();
  private usageTimer: Timer | undefined;
  private stopped = false;
  /** Writes in flight, so that stop() and tests can wait for them. */
  private readonly inflight = new Set<Promise<void>>();

  constructor(private readonly o: SimulatedPodsOptions) {
    this.pods = o.client.resource<Pod>(PODS);
    const rc = this.pods;
    const assigned = (opts: ListOptions | WatchOptions): ListOptions & WatchOptions => ({ ...opts, fieldSelector: 'spec.nodeName!=' });
    this.informer = new SharedInformer<Pod>(
      { list: (opts) => rc.list(assigned(opts)), watch: (opts) => rc.watch(assigned(opts)) },
      { clock: o.clock, rng: o.rng.fork(), name: 'simulated-kubelet-pods', ...(o.log !== undefined ? { logger: o.log } : {}) },
    );
    this.informer.addEventHandler({
      onAdd: (p) => this.observe(p),
      onUpdate: (_, p) => this.observe(p),
      onDelete: (p) => this.forget(deletedObject(p)),
    });
  }

  start(): void {
    this.informer.start();
    if (this.o.usageFor !== undefined) this.usageTimer = this.o.clock.setInterval(() => this.reportUsage(), this.o.usageReportIntervalMs);
  }

  whenSynced(): Promise<void> {
    return this.informer.whenSynced();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.usageTimer?.cancel();
    for (const t of this.tracked.values()) t.timer?.cancel();
    await this.informer.stop();
    await Promise.allSettled([...this.inflight]);
  }

  /** The cached pod, as the agent last saw it. */
  get(ns: string, name: string): Pod | undefined {
    return this.informer.lister().get(ns, name);
  }

  /** Pods the agent has reported Running (and not terminated since). */
  runningCount(): number {
    let n = 0;
    for (const t of this.tracked.values()) if (t.state === 'started') n++;
    return n;
  }

  /** Pods bound to `node`, from the cache. */
  podsOn(node: string): Pod[] {
    return this.informer.lister().list().filter((p) => p.spec?.nodeName === node);
  }

  /** Resolves when every status write started so far has finished. */
  async settle(): Promise<void> {
    while (this.inflight.size > 0) await Promise.allSettled([...this.inflight]);
  }

  /** Terminates the pod's containers with `exitCode` (0: Succeeded, else Failed). */
  async terminate(ns: string, name: string, exitCode: number, reason: string, message?: string): Promise<void> {
    const pod = this.get(ns, name) ?? (await this.pods.namespace(ns).get(name));
    const t = this.tracked.get(key(ns, name));
    if (t !== undefined) {
      t.timer?.cancel();
      t.state = 'done';
    }
    const status = terminatedStatus(pod, { exitCode, reason, now: this.o.clock.wallNow(), ...(message !== undefined ? { message } : {}) });
    await this.pods.namespace(ns).patch(name, 'merge', { status }, { subresource: 'status' });
  }

  /** Writes the pod's cpu usage annotation (see CPU_USAGE_ANNOTATION). */
  async setCpuUsage(ns: string, name: string, usage: string): Promise<void> {
    const t = this.tracked.get(key(ns, name));
    if (t !== undefined) t.usage = usage;
    await this.pods.namespace(ns).patch(name, 'merge', { metadata: { annotations: { [CPU_USAGE_ANNOTATION]: usage } } });
  }

  private observe(pod: Pod): void {
    const node = pod.spec?.nodeName ?? '';
    if (this.stopped || !this.o.nodes.has(node)) return;
    const ns = pod.metadata?.namespace ?? '';
    const name = pod.metadata?.name ?? '';
    const uid = pod.metadata?.uid ?? '';
    let t = this.tracked.get(key(ns, name));
    if (t !== undefined && t.uid !== uid) {
      // The same name, a new pod: the old one is gone.
      this.release(t);
      t = undefined;
    }
    if (t === undefined) {
      const phase = pod.status?.phase ?? 'Pending';
      t = { uid, node, state: phase === 'Pending' ? 'pending' : phase === 'Running' ? 'started' : 'done' };
      this.tracked.set(key(ns, name), t);
      if (t.state === 'pending' && pod.metadata?.deletionTimestamp == null && Number.isFinite(this.o.startDelayMs)) this.schedule(t, () => this.startPod(ns, name), this.o.startDelayMs);
    }
    if (pod.metadata?.deletionTimestamp != null && t.state !== 'done') {
      t.timer?.cancel();
      t.state = 'done';
      const grace = pod.metadata.deletionGracePeriodSeconds ?? 0;
      this.schedule(t, () => this.finishDeletion(ns, name, uid), Math.min(this.o.deleteDelayMs, grace * 1000));
    }
  }

  private forget(pod: Pod): void {
    const k = key(pod.metadata?.namespace ?? '', pod.metadata?.name ?? '');
    const t = this.tracked.get(k);
    if (t === undefined || t.uid !== (pod.metadata?.uid ?? '')) return;
    this.release(t);
    this.tracked.delete(k);
  }

  private release(t: Tracked): void {
    t.timer?.cancel();
    if (t.ip !== undefined) this.o.nodes.releasePodIp(t.node, t.ip);
    t.ip = undefined;
  }

  private schedule(t: Tracked, fn: () => Promise<void>, ms: number): void {
    t.timer?.cancel();
    t.timer = this.o.clock.setTimeout(() => this.track(fn()), ms);
  }

  private track(p: Promise<void>): void {
    const tracked: Promise<void> = p.catch((err: unknown) => {
      this.o.log?.warn('simulated kubelet write failed', { error: (err as Error).message });
    });
    this.inflight.add(tracked);
    void tracked.finally(() => this.inflight.delete(tracked));
  }

  /** Reports Running and Ready, unless the pod changed its mind meanwhile; retried on failure. */
  private async startPod(ns: string, name: string, attempt = 0): Promise<void> {
    const t = this.tracked.get(key(ns, name));
    const pod = this.get(ns, name);
    if (this.stopped || t === undefined || t.state !== 'pending' || pod === undefined || pod.metadata?.uid !== t.uid) return;
    if (pod.metadata?.deletionTimestamp != null || !this.o.nodes.has(t.node)) return;
    t.ip ??= this.o.nodes.allocatePodIp(t.node);
    const now = this.o.clock.wallNow();
    const status = runningStatus(pod, { hostIp: this.o.nodes.hostIp(t.node), podIp: t.ip, startTime: now, now });
    try {
      await this.pods.namespace(ns).patch(name, 'merge', { status }, { subresource: 'status' });
      if (t.state === 'pending') t.state = 'started';
    } catch (err) {
      if (isNotFound(err) || attempt >= 5) throw err;
      this.schedule(t, () => this.startPod(ns, name, attempt + 1), 1000 * (attempt + 1));
    }
  }

  private async finishDeletion(ns: string, name: string, uid: string): Promise<void> {
    try {
      await this.pods.namespace(ns).delete(name, { gracePeriodSeconds: 0, preconditions: { uid } });
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  }

  private reportUsage(): void {
    const usageFor = this.o.usageFor;
    if (usageFor === undefined || this.stopped) return;
    for (const [k, t] of this.tracked) {
      if (t.state !== 'started') continue;
      const [ns = '', name = ''] = k.split('/');
      const pod = this.get(ns, name);
      if (pod === undefined) continue;
      const usage = usageFor(pod);
      if (usage === undefined || usage === (pod.metadata?.annotations?.[CPU_USAGE_ANNOTATION] ?? t.usage)) continue;
      t.usage = usage;
      this.track(this.setCpuUsage(ns, name, usage));
    }
  }
}

