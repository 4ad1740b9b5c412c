import type { Rng } from '@kubemu/base';
import type { Checker } from './checkers';
import type { SimNode } from './sim-node';
import { encodeValue, proposedValue } from './state-machine';

interface Pending {
  /** `${node}:${incarnation}` of every server the value was proposed to. */
  proposedTo: Set<string>;
  lastTry: number;
  tries: number;
}

/**
 * The clients of the replicated service. Each request is a unique value proposed to a random
 * node; the node answers (the proposal is acknowledged) when it applies an entry holding the value
 * it was asked to propose, as a server that matches applied entries to waiting requests would.
 * Unanswered requests are retried, possibly to another node, so a value may commit twice.
 */
export class Clients {
  private nextId = 1;
  readonly pending = new Map<string, Pending>();
  proposed = 0;
  acknowledged = 0;
  /** The highest index at which a proposal was acknowledged so far. */
  private maxAcked = 0;
  private nextRead = 1;
  /** Read request context -> the highest acknowledged index when the read was issued. */
  private readonly reads = new Map<string, number>();
  readsAnswered = 0;
  private backoff = true;

  constructor(
    private readonly seed: number,
    private readonly rng: Rng,
    private readonly checker: Checker,
    private readonly retryAfter: number,
    private readonly maxPending: number,
  ) {}

  /** A new request if there is room, else a retry of the oldest one that is due. Returns the value sent. */
  request(now: number, nodes: readonly SimNode[], allowNew: boolean): { node: SimNode; value: string } | undefined {
    const up = nodes.filter((n) => n.up);
    if (up.length === 0) return undefined;
    let value: string | undefined;
    for (const [v, p] of this.pending) {
      // Exponential backoff, as real clients do, so retries do not flood a slow group.
      if (now - p.lastTry >= this.retryAfter * (this.backoff ? 2 ** Math.min(p.tries - 1, 2) : 1)) {
        value = v;
        break;
      }
    }
    if (value === undefined && allowNew && this.pending.size < this.maxPending) {
      value = `s${this.seed}-p${this.nextId++}`;
      this.pending.set(value, { proposedTo: new Set(), lastTry: now, tries: 0 });
    }
    if (value === undefined) return undefined;
    const node = this.rng.pick(up);
    const p = this.pending.get(value) as Pending;
    p.lastTry = now;
    p.tries++;
    p.proposedTo.add(`${node.id}:${node.incarnation}`);
    this.proposed++;
    return { node, value };
  }

  encode(value: string): Uint8Array {
    return encodeValue(value);
  }

  /** A node applied `key` at `index`: answer the request if this incarnation of the node was asked for it. */
  applied(node: SimNode, index: number, key: string): string | undefined {
    const value = proposedValue(key);
    if (value === undefined) return undefined;
    const p = this.pending.get(value);
    if (p === undefined || !p.proposedTo.has(`${node.id}:${node.incarnation}`)) return undefined;
    this.pending.delete(value);
    this.acknowledged++;
    this.maxAcked = Math.max(this.maxAcked, index);
    this.checker.observeAck(value, index);
    return value;
  }

  /** The network healed: every unanswered request is retried at once, then without backoff. */
  healed(): void {
    this.backoff = false;
    for (const p of this.pending.values()) p.lastTry = -Infinity;
  }

  /** A linearizable read (ReadIndex, section 6.4 of the Raft thesis): returns its context. */
  startRead(): Uint8Array {
    const ctx = `r${this.nextRead++}`;
    this.reads.set(ctx, this.maxAcked);
    return encodeValue(ctx);
  }

  /**
   * A read point came back: reading the state at `index` must observe every write acknowledged
   * before the read was issued, so `index` may not be below any of them.
   */
  readAnswered(node: SimNode, ctx: Uint8Array, index: number): void {
    const key = new TextDecoder().decode(ctx);
    const floor = this.reads.get(key);
    if (floor === undefined) {
      this.checker.fail('read-linearizable', `node ${node.id} got a read state for unknown request ${key}`);
      return;
    }
    this.readsAnswered++;
    if (index < floor) {
      this.checker.fail(
        'read-linearizable',
        `node ${node.id} answered read ${key} at index ${index}, below ${floor} acknowledged before the read began`,
      );
    }
  }
}
