// NodeInfo: one node with the pods the scheduler believes are on it (bound, or assumed: decided
// but not yet seen bound) and the running totals filters and scores need. Invariant: requested,
// nonZeroRequested, usedPorts and the affinity lists always equal what `pods` sums to; every
// change bumps `generation`.
import type { Node } from '@kubemu/api';
import { hasPodAffinity } from './pod-info';
import type { HostPort, PodInfo } from './pod-info';
import { addInto, emptyResource, nodeAllocatable } from './resource';
import type { Resource } from './resource';

export type Taint = NonNullable<NonNullable<Node['spec']>['taints']>[number];

let generationCounter = 0;
const nextGeneration = (): number => ++generationCounter;

export class NodeInfo {
  /** Undefined while the cache knows pods bound to a node it has not seen yet. */
  node: Node | undefined;
  readonly pods: PodInfo[] = [];
  readonly podsWithAffinity: PodInfo[] = [];
  readonly podsWithRequiredAntiAffinity: PodInfo[] = [];
  readonly requested: Resource = emptyResource();
  readonly nonZeroRequested: Resource = emptyResource();
  allocatable: Resource = emptyResource();
  allowedPods = 0;
  readonly usedPorts: HostPort[] = [];
  generation = nextGeneration();
  /** Values derived from this node's pods, valid for `memoGeneration` only. */
  private memo: Map<string, unknown> | undefined;
  private memoGeneration = -1;

  constructor(readonly name: string, node?: Node) {
    if (node !== undefined) this.setNode(node);
  }

  get labels(): Readonly<Record<string, string>> {
    return this.node?.metadata?.labels ?? {};
  }

  get taints(): readonly Taint[] {
    return this.node?.spec?.taints ?? [];
  }

  setNode(node: Node): void {
    this.node = node;
    const a = nodeAllocatable(node);
    this.allocatable = a.resource;
    this.allowedPods = a.allowedPods;
    this.generation = nextGeneration();
  }

  addPod(p: PodInfo): void {
    this.pods.push(p);
    if (hasPodAffinity(p)) this.podsWithAffinity.push(p);
    if (p.requiredAntiAffinity.length > 0) this.podsWithRequiredAntiAffinity.push(p);
    addInto(this.requested, p.requests);
    addInto(this.nonZeroRequested, p.nonZeroRequests);
    for (const hp of p.hostPorts) this.usedPorts.push(hp);
    this.generation = nextGeneration();
  }

  /** Removes the pod with `key`; returns false if it is not here. */
  removePod(key: string): boolean {
    const i = this.pods.findIndex((p) => p.key === key);
    if (i < 0) return false;
    const p = this.pods[i]!;
    this.pods.splice(i, 1);
    removeFrom(this.podsWithAffinity, key);
    removeFrom(this.podsWithRequiredAntiAffinity, key);
    addInto(this.requested, p.requests, -1);
    addInto(this.nonZeroRequested, p.nonZeroRequests, -1);
    for (const hp of p.hostPorts) {
      const j = this.usedPorts.findIndex((u) => u.ip === hp.ip && u.port === hp.port && u.protocol === hp.protocol);
      if (j >= 0) this.usedPorts.splice(j, 1);
    }
    this.generation = nextGeneration();
    return true;
  }

  /**
   * A value computed from this node (e.g. how many of its pods a selector matches), kept until the
   * node changes: every change bumps `generation`, which drops all memoised values at once.
   */
  cached<T>(key: string, compute: (node: NodeInfo) => T): T {
    if (this.memo === undefined || this.memoGeneration !== this.generation) {
      this.memo = new Map();
      this.memoGeneration = this.generation;
    }
    if (this.memo.has(key)) return this.memo.get(key) as T;
    const value = compute(this);
    this.memo.set(key, value);
    return value;
  }

  /** Whether a wanted host port collides with one in use (0.0.0.0 collides with every address). */
  portConflict(want: HostPort): boolean {
    for (const u of this.usedPorts) {
      if (u.port !== want.port || u.protocol !== want.protocol) continue;
      if (u.ip === want.ip || u.ip === '0.0.0.0' || want.ip === '0.0.0.0') return true;
    }
    return false;
  }
}

function removeFrom(list: PodInfo[], key: string): void {
  const i = list.findIndex((p) => p.key === key);
  if (i >= 0) list.splice(i, 1);
}
