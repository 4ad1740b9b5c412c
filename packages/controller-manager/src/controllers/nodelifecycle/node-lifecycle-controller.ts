// The node lifecycle controller: watches node heartbeats (the node's Lease in kube-node-lease and
// its Ready condition) and, when neither has changed for --node-monitor-grace-period, marks the
// node's conditions Unknown ("Kubelet stopped posting node status."); it keeps the condition
// taints in step (not-ready / unreachable with NoSchedule and NoExecute, unschedulable,
// pressure), marks the pods of a node that stopped being Ready not ready, and records
// NodeNotReady / NodeReady events. Eviction of pods from NoExecute-tainted nodes is the
// taint-eviction controller's job (taint-eviction-controller.ts).
//
// Heartbeats are judged on this controller's own monotonic clock, from when it last *saw* a
// renewal change, as kube does: clocks of other machines are never compared with ours. After a
// restart every node gets a full grace period again (crash-only: nothing is persisted).
import type { Timer } from '@kubemu/base';
import type { KubeObject, Lease, Node, Pod } from '@kubemu/api';
import { deletedObject, rfc3339 } from '@kubemu/client';
import type { EventRecorder, HandlerRegistration, RateLimitingQueue, SharedInformer } from '@kubemu/client';
import type { Controller, ControllerContext } from '../../controller';
import { ensureIndex, errorMessage, isPodReady, newQueue, runQueueWorkers } from '../../controller-utils';
import { conditionsWhenUnreachable, desiredTaints, readyCondition, readyStatus, reconcileTaints } from './node-health';

export const NODES = { group: '', version: 'v1', resource: 'nodes', namespaced: false } as const;
export const PODS = { group: '', version: 'v1', resource: 'pods', namespaced: true } as const;
const LEASES = { group: 'coordination.k8s.io', version: 'v1', resource: 'leases', namespaced: true } as const;
export const NODE_LEASE_NAMESPACE = 'kube-node-lease';
/** Pods by spec.nodeName; shared with the taint-eviction controller. */
export const NODE_NAME_INDEX = 'spec.nodeName';
/** kube's --node-monitor-period. */
export const NODE_MONITOR_PERIOD_MS = 5_000;

export function nodeNameIndexFunc(obj: KubeObject): string[] {
  const name = (obj.spec as Pod['spec'] | undefined)?.nodeName;
  return name ? [name] : [];
}

interface NodeHealth {
  /** Our clock when a heartbeat last changed (or when we first saw the node). */
  probeTimestamp: number;
  lastRenewTime?: string;
  lastHeartbeatTime?: string;
  /** Ready as last observed, to report transitions once. */
  observedReady?: string;
}

export class NodeLifecycleController implements Controller {
  readonly name = 'node-lifecycle-controller';
  private readonly queue: RateLimitingQueue<string>;
  private readonly nodes: SharedInformer<Node>;
  private readonly leases: SharedInformer<Lease>;
  private readonly pods: SharedInformer<Pod>;
  private readonly recorder: EventRecorder;
  private readonly health = new Map<string, NodeHealth>();

  constructor(private readonly ctx: ControllerContext) {
    this.queue = newQueue(ctx);
    this.nodes = ctx.informers.forResource<Node>(NODES);
    this.leases = ctx.informers.forResource<Lease>(LEASES);
    this.pods = ctx.informers.forResource<Pod>(PODS);
    ensureIndex(this.pods, NODE_NAME_INDEX, nodeNameIndexFunc);
    this.recorder = ctx.recorder('node-controller');
  }

  async run(signal: AbortSignal): Promise<void> {
    const regs: HandlerRegistration[] = [
      this.nodes.addEventHandler({
        onAdd: (n) => this.queue.add(n.metadata?.name ?? ''),
        onUpdate: (_, n) => this.queue.add(n.metadata?.name ?? ''),
        onDelete: (n) => {
          const name = deletedObject(n).metadata?.name ?? '';
          this.health.delete(name);
        },
      }),
      this.leases.addEventHandler({
        onAdd: (l) => this.leaseChanged(l),
        onUpdate: (_, l) => this.leaseChanged(l),
      }),
    ];
    this.ctx.informers.start();
    // monitorNodeHealth: every node is looked at every period, whether or not anything changed.
    const monitor: Timer = this.ctx.clock.setInterval(() => {
      for (const n of this.nodes.lister().list()) this.queue.add(n.metadata?.name ?? '');
    }, NODE_MONITOR_PERIOD_MS);
    await runQueueWorkers({ name: this.name, ctx: this.ctx, queue: this.queue, informers: [this.nodes, this.leases, this.pods], sync: (key) => this.sync(key) }, signal);
    monitor.cancel();
    for (const r of regs) r.remove();
  }

  private leaseChanged(lease: Lease): void {
    if (lease.metadata?.namespace === NODE_LEASE_NAMESPACE) this.queue.add(lease.metadata?.name ?? '');
  }

  private async sync(name: string): Promise<Error | void> {
    const node = this.nodes.lister().get('', name);
    if (node === undefined) return;
    const now = this.ctx.clock.now();
    const renew = this.leases.lister().get(NODE_LEASE_NAMESPACE, name)?.spec?.renewTime ?? undefined;
    const heartbeat = readyCondition(node)?.lastHeartbeatTime ?? undefined;
    let h = this.health.get(name);
    if (h === undefined) {
      h = { probeTimestamp: now, ...(renew ? { lastRenewTime: renew } : {}), ...(heartbeat ? { lastHeartbeatTime: heartbeat } : {}) };
      this.health.set(name, h);
      this.recorder.eventf(nodeRef(name), 'Normal', 'RegisteredNode', 'Node %s event: Registered Node %s in Controller', name, name);
    } else if (renew !== h.lastRenewTime || heartbeat !== h.lastHeartbeatTime) {
      h.probeTimestamp = now;
      h.lastRenewTime = renew;
      h.lastHeartbeatTime = heartbeat;
    }

    let current = node;
    const grace = this.ctx.options.nodeMonitorGracePeriodMs;
    if (now - h.probeTimestamp > grace) {
      const conditions = conditionsWhenUnreachable(node, rfc3339(this.ctx.clock.wallNow()));
      if (conditions !== undefined) {
        try {
          current = await this.ctx.client.resource<Node>(NODES).updateStatus({ ...node, status: { ...node.status, conditions } });
        } catch (err) {
          return new Error(`marking node ${name} unknown: ${errorMessage(err)}`);
        }
      }
    }
    const err = await this.reportReadiness(current, h);
    if (err !== undefined) return err;
    return this.syncTaints(current);
  }

  /** Events and MarkPodsNotReady on a Ready transition (once per transition). */
  private async reportReadiness(node: Node, h: NodeHealth): Promise<Error | undefined> {
    const name = node.metadata?.name ?? '';
    const ready = readyStatus(node);
    const was = h.observedReady;
    h.observedReady = ready;
    if (was === undefined || was === ready) return undefined;
    if (ready === 'True') {
      this.recorder.eventf(nodeRef(name), 'Normal', 'NodeReady', 'Node %s status is now: %s', name, 'NodeReady');
      return undefined;
    }
    if (was !== 'True') return undefined;
    this.recorder.eventf(nodeRef(name), 'Normal', 'NodeNotReady', 'Node %s status is now: %s', name, 'NodeNotReady');
    return this.markPodsNotReady(name);
  }

  /** Pods on a node that stopped being Ready are no longer Ready either (endpoints drop them). */
  private async markPodsNotReady(nodeName: string): Promise<Error | undefined> {
    const now = rfc3339(this.ctx.clock.wallNow());
    let first: Error | undefined;
    for (const pod of this.pods.getIndexer().byIndex(NODE_NAME_INDEX, nodeName)) {
      if (!isPodReady(pod)) continue;
      const conditions = (pod.status?.conditions ?? []).map((c) => (c.type === 'Ready' ? { ...c, status: 'False', lastTransitionTime: now } : c));
      try {
        await this.ctx.client.resource<Pod>(PODS).namespace(pod.metadata?.namespace ?? '').updateStatus({ ...pod, status: { ...pod.status, conditions } });
        this.recorder.eventf(pod, 'Warning', 'NodeNotReady', 'Node is not ready');
      } catch (err) {
        first ??= new Error(`marking pod ${pod.metadata?.name ?? ''} not ready: ${errorMessage(err)}`);
      }
    }
    return first;
  }

  private async syncTaints(node: Node): Promise<Error | void> {
    const taints = reconcileTaints(node, desiredTaints(node), rfc3339(this.ctx.clock.wallNow()));
    if (taints === undefined) return;
    try {
      await this.ctx.client.resource<Node>(NODES).update({ ...node, spec: { ...node.spec, taints: taints.length > 0 ? taints : undefined } });
    } catch (err) {
      return new Error(`updating taints of node ${node.metadata?.name ?? ''}: ${errorMessage(err)}`);
    }
  }
}

/** Node events name the node with its name as uid, as kube's node controllers do. */
export function nodeRef(name: string): { kind: string; name: string; uid: string; apiVersion: string } {
  return { kind: 'Node', name, uid: name, apiVersion: 'v1' };
}

export function newNodeLifecycleController(ctx: ControllerContext): Controller {
  return new NodeLifecycleController(ctx);
}
