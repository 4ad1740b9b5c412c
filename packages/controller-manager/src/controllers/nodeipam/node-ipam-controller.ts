// The node IPAM controller (kube's range allocator): every node gets one /24 of --cluster-cidr
// in spec.podCIDR and spec.podCIDRs. Crash-only: the allocation map lives in memory only and is
// rebuilt from the nodes' podCIDRs before the first node is handled; a subnet is reserved in
// memory before the patch that records it, so two nodes never get the same one.
import type { Node } from '@kubemu/api';
import { deletedObject, waitForCacheSync } from '@kubemu/client';
import type { EventRecorder, HandlerRegistration, RateLimitingQueue, SharedInformer } from '@kubemu/client';
import type { Controller, ControllerContext } from '../../controller';
import { errorMessage, newQueue, runQueueWorkers } from '../../controller-utils';
import { CidrSet } from './cidr-set';

const NODES = { group: '', version: 'v1', resource: 'nodes', namespaced: false } as const;

function cidrsOf(node: Node): string[] {
  const list = node.spec?.podCIDRs ?? [];
  if (list.length > 0) return list;
  return node.spec?.podCIDR ? [node.spec.podCIDR] : [];
}

export class NodeIpamController implements Controller {
  readonly name = 'nodeipam';
  private readonly queue: RateLimitingQueue<string>;
  private readonly nodes: SharedInformer<Node>;
  private readonly recorder: EventRecorder;
  private readonly cidrs: CidrSet;
  /** Subnets handed out whose patch the informer has not shown yet, by node. */
  private readonly pending = new Map<string, string>();

  constructor(private readonly ctx: ControllerContext) {
    this.queue = newQueue(ctx);
    this.nodes = ctx.informers.forResource<Node>(NODES);
    this.recorder = ctx.recorder('cidrAllocator');
    this.cidrs = new CidrSet(ctx.options.clusterCidr);
  }

  async run(signal: AbortSignal): Promise<void> {
    this.ctx.informers.start();
    // The map is rebuilt from what nodes already hold before any node is handled.
    if (!(await waitForCacheSync(signal, this.nodes))) return;
    for (const node of this.nodes.lister().list()) for (const c of cidrsOf(node)) this.cidrs.occupy(c);
    const reg: HandlerRegistration = this.nodes.addEventHandler({
      onAdd: (n) => this.queue.add(n.metadata?.name ?? ''),
      onUpdate: (_, n) => {
        for (const c of cidrsOf(n)) this.cidrs.occupy(c);
        this.queue.add(n.metadata?.name ?? '');
      },
      onDelete: (obj) => {
        const n = deletedObject(obj);
        const name = n.metadata?.name ?? '';
        for (const c of cidrsOf(n)) this.cidrs.release(c);
        const p = this.pending.get(name);
        if (p !== undefined) this.cidrs.release(p);
        this.pending.delete(name);
      },
    });
    await runQueueWorkers({ name: this.name, ctx: this.ctx, queue: this.queue, informers: [this.nodes], sync: (key) => this.sync(key) }, signal);
    reg.remove();
  }

  private async sync(name: string): Promise<Error | void> {
    const node = this.nodes.lister().get('', name);
    if (node === undefined) return;
    if (cidrsOf(node).length > 0) {
      this.pending.delete(name);
      return;
    }
    let cidr = this.pending.get(name);
    if (cidr === undefined) {
      cidr = this.cidrs.allocateNext();
      if (cidr === undefined) {
        this.recorder.eventf({ kind: 'Node', name, uid: name }, 'Normal', 'CIDRNotAvailable', 'Node %s status is now: CIDRNotAvailable', name);
        return new Error('failed to allocate cidr from cluster cidr: CIDR allocation failed; there are no remaining CIDRs left to allocate in the accepted range');
      }
      this.pending.set(name, cidr);
    }
    try {
      await this.ctx.client.resource<Node>(NODES).patch(name, 'merge', { spec: { podCIDR: cidr, podCIDRs: [cidr] } });
      this.ctx.log.info('set node PodCIDR', { controller: this.name, node: name, podCIDRs: [cidr] });
    } catch (err) {
      this.recorder.eventf({ kind: 'Node', name, uid: name }, 'Warning', 'CIDRAssignmentFailed', 'Node %s status is now: CIDRAssignmentFailed', name);
      return new Error(`failed to patch node ${name} with CIDR ${cidr}: ${errorMessage(err)}`);
    }
  }
}

export function newNodeIpamController(ctx: ControllerContext): Controller {
  return new NodeIpamController(ctx);
}
