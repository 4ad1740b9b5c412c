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
      if (now - p.lastTry >= this.retryAfter * 2 ** Math.min(p.tries - 1, 2)) {
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
    this.checker.observeAck(value, index);
    return value;
  }
}
