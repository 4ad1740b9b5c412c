import type { Message, NodeId } from './types';

export type ReadOnlyOption = 'Safe' | 'LeaseBased';

/** A read request waiting for the leader to confirm it still leads (thesis §6.4). */
export interface ReadIndexStatus {
  req: Message;
  /** The leader's commit index when the request arrived: the read is linearizable once applied. */
  index: number;
  acks: Set<NodeId>;
}

/** Read contexts are compared by content, not identity. */
export function contextKey(ctx: Uint8Array | undefined): string {
  return ctx === undefined ? '' : Buffer.from(ctx).toString('hex');
}

/**
 * ReadIndex bookkeeping on the leader (thesis §6.4). In Safe mode a request records the commit
 * index and waits until a quorum answered a heartbeat carrying its context; the heartbeat round
 * proves that no newer leader could have committed anything the read would miss.
 *
 * Requests form a queue in arrival order. Heartbeats carry the context of the newest request, so
 * a quorum of acks for it also confirms every older request: leadership was confirmed after all
 * of them were recorded.
 */
export class ReadOnly {
  private readonly pending = new Map<string, ReadIndexStatus>();
  private queue: string[] = [];

  constructor(readonly option: ReadOnlyOption) {}

  /** Records a request; a context already pending is not added twice. */
  addRequest(index: number, m: Message): void {
    const key = contextKey(m.context);
    if (this.pending.has(key)) return;
    this.pending.set(key, { req: m, index, acks: new Set() });
    this.queue.push(key);
  }

  /** Records that `id` answered a heartbeat carrying `ctx`; returns who acked so far. */
  recvAck(id: NodeId, ctx: Uint8Array | undefined): ReadonlySet<NodeId> | undefined {
    const rs = this.pending.get(contextKey(ctx));
    if (rs === undefined) return undefined;
    rs.acks.add(id);
    return rs.acks;
  }

  /** Pops and returns every request up to and including the one with `ctx`, oldest first. */
  advance(ctx: Uint8Array | undefined): ReadIndexStatus[] {
    const key = contextKey(ctx);
    const at = this.queue.indexOf(key);
    if (at < 0) return [];
    const done = this.queue.slice(0, at + 1);
    this.queue = this.queue.slice(at + 1);
    const out: ReadIndexStatus[] = [];
    for (const k of done) {
      const rs = this.pending.get(k);
      if (rs === undefined) throw new Error('read-only: queue and pending map disagree');
      this.pending.delete(k);
      out.push(rs);
    }
    return out;
  }

  lastPendingRequestCtx(): Uint8Array | undefined {
    const key = this.queue[this.queue.length - 1];
    return key === undefined ? undefined : this.pending.get(key)?.req.context;
  }

  pendingCount(): number {
    return this.queue.length;
  }
}
