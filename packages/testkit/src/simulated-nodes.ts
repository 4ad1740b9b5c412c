// SimulatedNodes: N kubelets without containers, in one process, talking to the apiserver only
// through @kubemu/client. Each registers its Node (capacity = allocatable, Ready, addresses,
// the kubelet's well-known labels), renews its Lease in kube-node-lease every 10 s (the
// heartbeat the node lifecycle controller watches), reports its status every 5 min (the
// kubelet's nodeStatusReportFrequency) and on a change, and runs the pods bound to it (see
// simulated-pods.ts). Tests steer it: stop a node's heartbeats, fail or complete a pod, report
// a pod's cpu usage.
import type { Clock, Logger, Rng, Timer } from '@kubemu/base';
import type { Lease, Node, Pod } from '@kubemu/api';
import { SharedInformer, deletedObject, isAlreadyExists, isConflict, isNotFound, microTime } from '@kubemu/client';
import type { ResourceClient, RestClient } from '@kubemu/client';
import { newNode, nodeInternalIp, nodeStatus } from './node-object';
import type { NodeShape, NodeTemplate, Taint } from './node-object';
import { PodIpPool } from './pod-status';
import { CPU_USAGE_ANNOTATION, SimulatedPods } from './simulated-pods';

export const NODES = { group: '', version: 'v1', resource: 'nodes', namespaced: false } as const;
export const LEASES = { group: 'coordination.k8s.io', version: 'v1', resource: 'leases', namespaced: true } as const;
export const NODE_LEASE_NAMESPACE = 'kube-node-lease';

export interface SimulatedNodesOptions {
  client: RestClient;
  clock: Clock;
  rng: Rng;
  log?: Logger;
  /** Node names; default `${prefix}0` .. `${prefix}${count - 1}`. */
  names?: string[];
  count?: number;
  /** Default "node-". */
  prefix?: string;
  /** Per node; defaults cpu "4", memory "16Gi", pods "110". */
  shape?: Partial<NodeShape>;
  labels?: Record<string, string> | ((name: string, index: number) => Record<string, string>);
  taints?: Taint[] | ((name: string, index: number) => Taint[]);
  /** Seen bound -> reported Running (default 1 s; Infinity: never, as nodes without a kubelet). */
  podStartDelayMs?: number;
  /** deletionTimestamp seen -> final delete (default 0; never more than the pod's grace period). */
  podDeleteDelayMs?: number;
  /**
   * Lease renewal period (kubelet: 10 s; Infinity: the Lease written at registration is never
   * renewed, as scheduler_perf's bare Nodes have no kubelet) and the leaseDurationSeconds written
   * (kubelet: 40).
   */
  leaseRenewIntervalMs?: number;
  leaseDurationSeconds?: number;
  /** Status report period when nothing changed (kubelet's nodeStatusReportFrequency: 5 min). */
  statusReportIntervalMs?: number;
  /** Used until a node has spec.podCIDR (node IPAM); default 10.(244+i/256).(i%256).0/24. */
  fallbackPodCidr?: (index: number) => string | undefined;
  /** Parallel registrations at start (default 16). */
  registerConcurrency?: number;
  /** Periodic cpu usage per running pod (see CPU_USAGE_ANNOTATION), every usageReportIntervalMs (15 s). */
  usageFor?: (pod: Pod) => string | undefined;
  usageReportIntervalMs?: number;
}

interface SimNode {
  index: number;
  template: NodeTemplate;
  uid?: string;
  lease?: Lease;
  heartbeats: boolean;
  /** Whether this node is still simulated (removeNode ends it). */
  live: boolean;
  readySince: number;
  leaseTimer?: Timer;
  statusTimer?: Timer;
  pool?: PodIpPool;
  /** The CIDR the pool was made from, to notice when node IPAM sets or changes it. */
  poolCidr?: string;
}

export class SimulatedNodes {
  private readonly nodes = new Map<string, SimNode>();
  private readonly nodeClient: ResourceClient<Node>;
  private readonly leaseClient: ResourceClient<Lease>;
  private readonly nodeInformer: SharedInformer<Node>;
  private readonly pods: SimulatedPods;
  private readonly opts: Required<Pick<SimulatedNodesOptions, 'leaseRenewIntervalMs' | 'leaseDurationSeconds' | 'statusReportIntervalMs' | 'registerConcurrency'>>;
  private stopped = false;

  constructor(private readonly o: SimulatedNodesOptions) {
    this.opts = {
      leaseRenewIntervalMs: o.leaseRenewIntervalMs ?? 10_000,
      leaseDurationSeconds: o.leaseDurationSeconds ?? 40,
      statusReportIntervalMs: o.statusReportIntervalMs ?? 300_000,
      registerConcurrency: o.registerConcurrency ?? 16,
    };
    this.nodeClient = o.client.resource<Node>(NODES);
    this.leaseClient = o.client.resource<Lease>(LEASES).namespace(NODE_LEASE_NAMESPACE);
    const names = o.names ?? Array.from({ length: o.count ?? 1 }, (_, i) => `${o.prefix ?? 'node-'}${i}`);
    names.forEach((name, i) => this.nodes.set(name, this.newSimNode(name, i)));
    const rc = this.nodeClient;
    this.nodeInformer = new SharedInformer<Node>(rc, { clock: o.clock, rng: o.rng.fork(), name: 'simulated-kubelet-nodes', ...(o.log !== undefined ? { logger: o.log } : {}) });
    this.nodeInformer.addEventHandler({ onAdd: (n) => this.observeNode(n), onUpdate: (_, n) => this.observeNode(n), onDelete: (n) => this.observeNode(deletedObject(n), true) });
    this.pods = new SimulatedPods({
      client: o.client,
      clock: o.clock,
      rng: o.rng.fork(),
      ...(o.log !== undefined ? { log: o.log } : {}),
      nodes: {
        has: (n) => this.nodes.get(n)?.live === true,
        hostIp: (n) => this.nodes.get(n)?.template.internalIp ?? '',
        allocatePodIp: (n) => this.pool(n)?.allocate(),
        releasePodIp: (n, ip) => this.nodes.get(n)?.pool?.release(ip),
      },
      startDelayMs: o.podStartDelayMs ?? 1000,
      deleteDelayMs: o.podDeleteDelayMs ?? 0,
      ...(o.usageFor !== undefined ? { usageFor: o.usageFor } : {}),
      usageReportIntervalMs: o.usageReportIntervalMs ?? 15_000,
    });
  }

  /** Names of the simulated nodes, in registration order. */
  nodeNames(): string[] {
    return [...this.nodes.entries()].filter(([, n]) => n.live).map(([name]) => name);
  }

  /** Registers every node with its lease, starts heartbeats and the pod watch; resolves when all are up. */
  async start(): Promise<void> {
    this.nodeInformer.start();
    await this.registerAll([...this.nodes.keys()]);
    this.pods.start();
    await Promise.all([this.pods.whenSynced(), this.nodeInformer.whenSynced()]);
  }

  /** Stops heartbeats, status reports and the pod agent; Nodes stay registered, as when kubelets stop. */
  async stop(): Promise<void> {
    this.stopped = true;
    for (const n of this.nodes.values()) this.stopTimers(n);
    await Promise.all([this.pods.stop(), this.nodeInformer.stop()]);
  }

  /** Adds and registers one more node (a node joining the cluster). */
  async addNode(name: string): Promise<void> {
    if (this.nodes.get(name)?.live) return;
    this.nodes.set(name, this.newSimNode(name, this.nodes.size));
    await this.registerAll([name]);
  }

  /** Stops simulating `name` and deletes its Node and Lease (a node removed from the cluster). */
  async removeNode(name: string): Promise<void> {
    const n = this.nodes.get(name);
    if (n === undefined) return;
    n.live = false;
    this.stopTimers(n);
    await this.ignoreNotFound(this.leaseClient.delete(name));
    await this.ignoreNotFound(this.nodeClient.delete(name));
  }

  /** The node stops renewing its Lease and reporting status, as a kubelet that hangs or loses the network. */
  stopHeartbeats(name: string): void {
    const n = this.mustGet(name);
    n.heartbeats = false;
    this.stopTimers(n);
  }

  /** Heartbeats resume: an immediate status report (Ready, transition now) and lease renewal. */
  async resumeHeartbeats(name: string): Promise<void> {
    const n = this.mustGet(name);
    if (n.heartbeats) return;
    n.heartbeats = true;
    n.readySince = this.o.clock.wallNow();
    await Promise.all([this.reportStatus(n), this.renewLease(n)]);
    this.startTimers(n);
  }

  /** The pod's containers exit 0: phase Succeeded. */
  succeedPod(ns: string, name: string): Promise<void> {
    return this.pods.terminate(ns, name, 0, 'Completed');
  }

  /** The pod's containers exit non-zero: phase Failed (default exit code 1, reason Error). */
  failPod(ns: string, name: string, opts: { exitCode?: number; reason?: string; message?: string } = {}): Promise<void> {
    return this.pods.terminate(ns, name, opts.exitCode ?? 1, opts.reason ?? 'Error', opts.message);
  }

  /** Reports the pod's cpu usage (a quantity of cores, "250m"): the annotation CPU_USAGE_ANNOTATION. */
  setPodCpuUsage(ns: string, name: string, usage: string): Promise<void> {
    return this.pods.setCpuUsage(ns, name, usage);
  }

  /** The pod as the agent's cache has it. */
  getPod(ns: string, name: string): Pod | undefined {
    return this.pods.get(ns, name);
  }

  /** Pods bound to `node` (from the agent's cache). */
  podsOn(node: string): Pod[] {
    return this.pods.podsOn(node);
  }

  /** Pods reported Running so far (not terminated since). */
  runningPods(): number {
    return this.pods.runningCount();
  }

  /** Resolves when every pod status write started so far has landed. */
  settle(): Promise<void> {
    return this.pods.settle();
  }

  static readonly CPU_USAGE_ANNOTATION = CPU_USAGE_ANNOTATION;

  private newSimNode(name: string, index: number): SimNode {
    const o = this.o;
    const labels = typeof o.labels === 'function' ? o.labels(name, index) : o.labels;
    const taints = typeof o.taints === 'function' ? o.taints(name, index) : o.taints;
    const template: NodeTemplate = {
      name,
      internalIp: nodeInternalIp(index),
      shape: { cpu: o.shape?.cpu ?? '4', memory: o.shape?.memory ?? '16Gi', pods: o.shape?.pods ?? '110', ...(o.shape?.ephemeralStorage !== undefined ? { ephemeralStorage: o.shape.ephemeralStorage } : {}) },
      ...(labels !== undefined ? { labels } : {}),
      ...(taints !== undefined ? { taints } : {}),
    };
    return { index, template, heartbeats: true, live: true, readySince: o.clock.wallNow() };
  }

  private mustGet(name: string): SimNode {
    const n = this.nodes.get(name);
    if (n === undefined) throw new RangeError(`no simulated node ${name}`);
    return n;
  }

  private async registerAll(names: string[]): Promise<void> {
    let next = 0;
    const worker = async (): Promise<void> => {
      for (let i = next++; i < names.length; i = next++) {
        const n = this.nodes.get(names[i]!);
        if (n === undefined) continue;
        await this.register(n);
        await this.renewLease(n);
        this.startTimers(n);
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.opts.registerConcurrency, names.length) }, worker));
  }

  /** Creates the Node, or (as a restarted kubelet does) adopts the existing one and reports status. */
  private async register(n: SimNode): Promise<void> {
    const now = this.o.clock.wallNow();
    try {
      const created = await this.nodeClient.create(newNode(n.template, now));
      n.uid = created.metadata?.uid;
      // A server that drops status on create gets it through the status subresource.
      if (created.status?.conditions === undefined) await this.reportStatus(n);
    } catch (err) {
      if (!isAlreadyExists(err)) throw err;
      const existing = await this.nodeClient.get(n.template.name);
      n.uid = existing.metadata?.uid;
      await this.reportStatus(n);
    }
  }

  private startTimers(n: SimNode): void {
    this.stopTimers(n);
    if (this.stopped || !n.live || !n.heartbeats) return;
    const every = this.opts.leaseRenewIntervalMs;
    // Spread first renewals over the period so that 1,000 nodes do not renew in one burst. No
    // timer at all for a period of Infinity: a real clock would fire setTimeout(Infinity) at once.
    if (Number.isFinite(every)) {
      n.leaseTimer = this.o.clock.setTimeout(() => {
        this.fire(this.renewLease(n));
        n.leaseTimer = this.o.clock.setInterval(() => this.fire(this.renewLease(n)), every);
      }, this.o.rng.next() * every);
    }
    n.statusTimer = this.o.clock.setInterval(() => this.fire(this.reportStatus(n)), this.opts.statusReportIntervalMs);
  }

  private stopTimers(n: SimNode): void {
    n.leaseTimer?.cancel();
    n.statusTimer?.cancel();
    n.leaseTimer = undefined;
    n.statusTimer = undefined;
  }

  private fire(p: Promise<void>): void {
    p.catch((err: unknown) => this.o.log?.warn('simulated kubelet heartbeat failed', { error: (err as Error).message }));
  }

  /** Renews (or creates) the node's Lease; a conflict or a missing lease is fixed on the next round. */
  private async renewLease(n: SimNode): Promise<void> {
    if (!n.live || !n.heartbeats) return;
    const name = n.template.name;
    const now = microTime(this.o.clock.wallNow());
    try {
      if (n.lease === undefined) {
        const lease: Lease = {
          apiVersion: 'coordination.k8s.io/v1',
          kind: 'Lease',
          metadata: { name, namespace: NODE_LEASE_NAMESPACE },
          spec: { holderIdentity: name, leaseDurationSeconds: this.opts.leaseDurationSeconds, renewTime: now },
        };
        if (n.uid !== undefined) lease.metadata!.ownerReferences = [{ apiVersion: 'v1', kind: 'Node', name, uid: n.uid }];
        try {
          n.lease = await this.leaseClient.create(lease);
          return;
        } catch (err) {
          if (!isAlreadyExists(err)) throw err;
          n.lease = await this.leaseClient.get(name);
        }
      }
      const next: Lease = { ...n.lease, spec: { ...n.lease.spec, holderIdentity: name, leaseDurationSeconds: this.opts.leaseDurationSeconds, renewTime: now } };
      n.lease = await this.leaseClient.update(next);
    } catch (err) {
      if (isConflict(err) || isNotFound(err)) n.lease = undefined;
      throw err;
    }
  }

  private async reportStatus(n: SimNode): Promise<void> {
    if (!n.live || !n.heartbeats) return;
    const status = nodeStatus(n.template, this.o.clock.wallNow(), n.readySince, true);
    await this.nodeClient.patch(n.template.name, 'merge', { status }, { subresource: 'status' });
  }

  /** Node IPAM may set spec.podCIDR after registration: pods started from then on get addresses from it. */
  private observeNode(node: Node, deleted = false): void {
    const n = this.nodes.get(node.metadata?.name ?? '');
    if (n === undefined || deleted) return;
    n.uid = node.metadata?.uid ?? n.uid;
    const cidr = node.spec?.podCIDR;
    if (cidr !== undefined && cidr !== '' && cidr !== n.poolCidr) {
      n.pool = new PodIpPool(cidr);
      n.poolCidr = cidr;
    }
  }

  private pool(name: string): PodIpPool | undefined {
    const n = this.nodes.get(name);
    if (n === undefined) return undefined;
    if (n.pool === undefined) {
      const fallback = this.o.fallbackPodCidr !== undefined ? this.o.fallbackPodCidr(n.index) : `10.${244 + Math.floor(n.index / 256)}.${n.index % 256}.0/24`;
      if (fallback === undefined) return undefined;
      n.pool = new PodIpPool(fallback);
      n.poolCidr = undefined;
    }
    return n.pool;
  }

  private async ignoreNotFound(p: Promise<unknown>): Promise<void> {
    try {
      await p;
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  }
}
