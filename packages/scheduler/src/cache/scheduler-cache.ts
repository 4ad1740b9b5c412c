// The scheduler's view of the cluster: nodes with the pods on them, including *assumed* pods
// (a decision made and sent for binding, not yet seen bound through the watch). The next cycle
// therefore sees the last decision even before its binding lands.
//
// An assumed pod's life: assume (decided) -> finishBinding (the POST succeeded; its expiry clock
// starts) -> confirmed by the informer's add (it is then an ordinary pod) or expired after the
// TTL if the binding never shows up. forgetPod undoes an assumption whose binding failed.
// Invariant: every pod is counted on exactly one NodeInfo, at most once.
import type { Clock } from '@kubemu/base';
import type { Node, Pod } from '@kubemu/api';
import type { Snapshot } from '../framework/interfaces';
import { NodeInfo } from '../framework/node-info';
import { newPodInfo, podKey } from '../framework/pod-info';
import type { PodInfo } from '../framework/pod-info';

export const LABEL_ZONE = 'topology.kubernetes.io/zone';
export const LABEL_REGION = 'topology.kubernetes.io/region';

interface PodState {
  info: PodInfo;
  node: string;
  assumed: boolean;
  bindingFinished: boolean;
  /** Clock time after which an assumed pod whose binding finished is dropped. */
  deadline?: number;
}

export interface SchedulerCacheOptions {
  clock: Clock;
  /** How long an assumed pod may wait for its binding to show up once the POST succeeded. */
  assumedPodTtlMs?: number;
}

export class SchedulerCache {
  private readonly nodes = new Map<string, NodeInfo>();
  private readonly pods = new Map<string, PodState>();
  private ordered: NodeInfo[] | undefined;
  private readonly ttlMs: number;

  constructor(private readonly opts: SchedulerCacheOptions) {
    this.ttlMs = opts.assumedPodTtlMs ?? 30_000;
  }

  // ---- nodes ---------------------------------------------------------------------------------

  addNode(node: Node): void {
    const name = node.metadata?.name ?? '';
    const existing = this.nodes.get(name);
    if (existing === undefined) this.nodes.set(name, new NodeInfo(name, node));
    else existing.setNode(node);
    this.ordered = undefined;
  }

  updateNode(node: Node): void {
    this.addNode(node);
  }

  /** The node is gone; a NodeInfo stays while pods are still counted on it (their deletes will come). */
  removeNode(node: Node): void {
    const name = node.metadata?.name ?? '';
    const info = this.nodes.get(name);
    if (info === undefined) return;
    if (info.pods.length === 0) this.nodes.delete(name);
    else info.node = undefined;
    this.ordered = undefined;
  }

  // ---- pods ----------------------------------------------------------------------------------

  /** Counts `info` (whose pod carries the chosen spec.nodeName) on its node before the binding lands. */
  assumePod(info: PodInfo): void {
    const node = info.pod.spec?.nodeName ?? '';
    if (this.pods.has(info.key)) throw new Error(`pod ${info.key} is in the cache, so can't be assumed`);
    this.place(info, node);
    this.pods.set(info.key, { info, node, assumed: true, bindingFinished: false });
  }

  /** The binding POST succeeded: the assumption now expires unless the informer confirms it in time. */
  finishBinding(key: string): void {
    const s = this.pods.get(key);
    if (s === undefined || !s.assumed) return;
    s.bindingFinished = true;
    s.deadline = this.opts.clock.now() + this.ttlMs;
  }

  /** Undoes an assumption (the binding failed). */
  forgetPod(key: string): void {
    const s = this.pods.get(key);
    if (s === undefined || !s.assumed) return;
    this.unplace(key, s.node);
    this.pods.delete(key);
  }

  isAssumed(key: string): boolean {
    return this.pods.get(key)?.assumed === true;
  }

  /** The informer saw a bound pod: confirms an assumption (moving it if the node differs) or adds it. */
  addPod(pod: Pod): void {
    const key = podKey(pod);
    const node = pod.spec?.nodeName ?? '';
    const s = this.pods.get(key);
    if (s !== undefined && s.assumed) {
      this.unplace(key, s.node);
    } else if (s !== undefined) {
      // Already known (a relist): treat as an update.
      this.unplace(key, s.node);
    }
    const info = newPodInfo(pod);
    this.place(info, node);
    this.pods.set(key, { info, node, assumed: false, bindingFinished: false });
  }

  updatePod(pod: Pod): void {
    this.addPod(pod);
  }

  removePod(pod: Pod): void {
    const key = podKey(pod);
    const s = this.pods.get(key);
    if (s === undefined) return;
    this.unplace(key, s.node);
    this.pods.delete(key);
  }

  /** Drops assumed pods whose binding finished more than the TTL ago without showing up. Returns their keys. */
  cleanupExpiredAssumedPods(): string[] {
    const now = this.opts.clock.now();
    const expired: string[] = [];
    for (const [key, s] of this.pods) {
      if (!s.assumed || !s.bindingFinished || s.deadline === undefined || s.deadline > now) continue;
      this.unplace(key, s.node);
      this.pods.delete(key);
      expired.push(key);
    }
    return expired;
  }

  podCount(): number {
    return this.pods.size;
  }

  nodeCount(): number {
    let n = 0;
    for (const info of this.nodes.values()) if (info.node !== undefined) n++;
    return n;
  }

  nodeInfo(name: string): NodeInfo | undefined {
    return this.nodes.get(name);
  }

  /**
   * The nodes for one cycle. The cycle runs synchronously from snapshot to assume, so the live
   * NodeInfos are a consistent snapshot for its whole duration; nothing else runs meanwhile.
   */
  snapshot(): Snapshot {
    const nodes = (this.ordered ??= this.order());
    let affinity: NodeInfo[] | undefined;
    let antiAffinity: NodeInfo[] | undefined;
    const byName = this.nodes;
    return {
      nodes,
      get: (name) => {
        const n = byName.get(name);
        return n?.node !== undefined ? n : undefined;
      },
      get havePodsWithAffinity() {
        return (affinity ??= nodes.filter((n) => n.podsWithAffinity.length > 0));
      },
      get havePodsWithRequiredAntiAffinity() {
        return (antiAffinity ??= nodes.filter((n) => n.podsWithRequiredAntiAffinity.length > 0));
      },
    };
  }

  private place(info: PodInfo, node: string): void {
    let n = this.nodes.get(node);
    if (n === undefined) {
      // Pods may arrive before their node: keep them on a NodeInfo without a Node.
      n = new NodeInfo(node);
      this.nodes.set(node, n);
    }
    n.addPod(info);
  }

  private unplace(key: string, node: string): void {
    const n = this.nodes.get(node);
    if (n === undefined) return;
    n.removePod(key);
    if (n.node === undefined && n.pods.length === 0) this.nodes.delete(node);
  }

  /** Nodes interleaved across zones (one from each zone in turn), as kube-scheduler's node tree lists them. */
  private order(): NodeInfo[] {
    const zones = new Map<string, NodeInfo[]>();
    for (const n of this.nodes.values()) {
      if (n.node === undefined) continue;
      const zone = `${n.labels[LABEL_REGION] ?? ''}:${n.labels[LABEL_ZONE] ?? ''}`;
      let list = zones.get(zone);
      if (list === undefined) zones.set(zone, (list = []));
      list.push(n);
    }
    if (zones.size <= 1) return [...(zones.values().next().value ?? [])];
    const lists = [...zones.values()];
    const out: NodeInfo[] = [];
    for (let i = 0; out.length < lists.reduce((a, l) => a + l.length, 0); i++) {
      for (const l of lists) if (i < l.length) out.push(l[i]!);
    }
    return out;
  }
}
