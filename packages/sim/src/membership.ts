import type { Rng } from '@kubemu/base';
import type { ConfChange, NodeId } from '@kubemu/raft';
import { decodeConfChange } from '@kubemu/raft';
import type { SimNode } from './sim-node';

/** What membership changes need from the simulation. */
export interface MembershipHost {
  now(): number;
  /** Every node ever created, indexed by id - 1. */
  readonly all: readonly SimNode[];
  /** Creates and starts an empty node that will join (it never bootstraps). */
  spawn(): SimNode;
  /** Stops a removed node for good, now or after `delay`. */
  retire(node: SimNode, delay: number): void;
  proposeConfChange(node: SimNode, cc: ConfChange): void;
  note(text: string): void;
}

/**
 * Single-server membership changes (Raft thesis section 4.1), driven as an operator would:
 * grow the group by one empty node, then shrink it back by removing a random member (maybe the
 * leader), one change at a time, re-proposing a change until it commits. The members are the
 * configuration the group has committed: a ConfChange counts once some node applied it.
 */
export class Membership {
  readonly members = new Set<NodeId>();
  private pending: { cc: ConfChange; proposedAt: number } | undefined;
  private lastConfIndex = 0;
  private readonly removedIds = new Set<NodeId>();
  changes = 0;

  constructor(
    private readonly rng: Rng,
    private readonly host: MembershipHost,
    founders: readonly NodeId[],
    private readonly retryAfter: number,
    private readonly retireWithin: number,
  ) {
    for (const id of founders) this.members.add(id);
  }

  removed(id: NodeId): boolean {
    return this.removedIds.has(id);
  }

  get settled(): boolean {
    return this.pending === undefined;
  }

  /** The next step: re-propose a change that did not commit, or start a new one. */
  step(): void {
    const now = this.host.now();
    if (this.pending !== undefined) {
      if (now - this.pending.proposedAt >= this.retryAfter) this.propose(this.pending.cc);
      return;
    }
    const founders = this.host.all.filter((n) => n.founder).length;
    if (this.members.size <= founders) {
      const node = this.host.spawn();
      this.propose({ type: 'AddNode', nodeId: node.id });
    } else {
      this.propose({ type: 'RemoveNode', nodeId: this.rng.pick([...this.members]) });
    }
  }

  /** Liveness: keep pushing the pending change until it commits. */
  retry(): void {
    if (this.pending !== undefined && this.host.now() - this.pending.proposedAt >= this.retryAfter) this.propose(this.pending.cc);
  }

  /** A node applied the entry of `key` at `index`; the first application of a ConfChange commits it here. */
  applied(index: number, key: string): void {
    const body = key.slice(key.indexOf('/') + 1);
    if (!body.startsWith('cc:') || index <= this.lastConfIndex) return;
    this.lastConfIndex = index;
    const cc = decodeConfChange(new TextEncoder().encode(body.slice(3)));
    this.host.note(`conf-change ${cc.type} ${cc.nodeId} at ${index}`);
    if (cc.type === 'RemoveNode') {
      this.members.delete(cc.nodeId);
      this.removedIds.add(cc.nodeId);
      // A removed member is shut down by its operator some time later; until then it runs on.
      const node = this.host.all[cc.nodeId - 1];
      if (node !== undefined) this.host.retire(node, this.rng.int(this.retireWithin));
    } else if (cc.type === 'AddNode') {
      this.members.add(cc.nodeId);
    }
    if (this.pending !== undefined && this.pending.cc.type === cc.type && this.pending.cc.nodeId === cc.nodeId) {
      this.pending = undefined;
      this.changes++;
    }
  }

  private propose(cc: ConfChange): void {
    this.pending = { cc, proposedAt: this.host.now() };
    const up = this.host.all.filter((n) => n.up && this.members.has(n.id));
    if (up.length > 0) this.host.proposeConfChange(this.rng.pick(up), cc);
  }
}
