import type { Rng } from '@kubemu/base';
import type { Message, NodeId } from '@kubemu/raft';

/**
 * The simulated network between Raft nodes. Every message gets its own random latency, so
 * messages between one pair overtake each other (reorder); it may be dropped or duplicated; and
 * directed links can be cut (partitions, one-way cuts) and healed. A cut is judged when the
 * message arrives, so what was on the wire when a link broke is lost with it.
 */
export interface NetworkFaults {
  /** Probability that a message is lost. */
  drop: number;
  /** Probability that a message is delivered twice. */
  duplicate: number;
  /** Latency in virtual time units: uniform in [minDelay, maxDelay]. */
  minDelay: number;
  maxDelay: number;
  /** Probability that a message is held back up to `longDelay` (a long reorder). */
  reorder: number;
  longDelay: number;
  /**
   * Links keep order, as a TCP stream does: a message never overtakes an earlier one on its
   * link, except the `reorder` ones (a reconnect). Without it every message is on its own (UDP).
   */
  fifo: boolean;
}

export interface InFlight {
  msg: Message;
  /** The incarnation of the sender when it sent the message (snapshot status goes back to it). */
  senderIncarnation: number;
}


export class Network {
  /** cut[from][to]: the link from -> to loses everything. */
  private readonly cut = new Map<NodeId, Set<NodeId>>();
  /** Latest in-order arrival time per link (from * 65536 + to), for FIFO links. */
  private readonly lastArrival = new Map<number, number>();
  sent = 0;
  dropped = 0;
  duplicated = 0;

  constructor(
    private readonly rng: Rng,
    public faults: NetworkFaults,
  ) {}

  /** Decides the fate of a message sent now on from -> to: zero, one or two arrival times. */
  schedule(now: number, from: NodeId, to: NodeId): number[] {
    this.sent++;
    const f = this.faults;
    if (f.drop > 0 && this.rng.chance(f.drop)) {
      this.dropped++;
      return [];
    }
    const arrivals = [this.arrival(now, from, to)];
    if (f.duplicate > 0 && this.rng.chance(f.duplicate)) {
      this.duplicated++;
      arrivals.push(this.arrival(now, from, to));
    }
    return arrivals;
  }

  isCut(from: NodeId, to: NodeId): boolean {
    return this.cut.get(from)?.has(to) ?? false;
  }

  cutLink(from: NodeId, to: NodeId): void {
    let s = this.cut.get(from);
    if (s === undefined) {
      s = new Set();
      this.cut.set(from, s);
    }
    s.add(to);
  }

  /** Splits the nodes into groups that cannot reach each other (both directions). */
  partition(groups: readonly (readonly NodeId[])[]): void {
    for (let g = 0; g < groups.length; g++) {
      for (let h = 0; h < groups.length; h++) {
        if (g === h) continue;
        for (const a of groups[g] as NodeId[]) for (const b of groups[h] as NodeId[]) this.cutLink(a, b);
      }
    }
  }

  healAll(): void {
    this.cut.clear();
  }

  hasCuts(): boolean {
    for (const s of this.cut.values()) if (s.size > 0) return true;
    return false;
  }

  describeCuts(): string {
    const parts: string[] = [];
    for (const [from, tos] of this.cut) for (const to of tos) parts.push(`${from}>${to}`);
    return parts.join(',');
  }

  private arrival(now: number, from: NodeId, to: NodeId): number {
    const f = this.faults;
    if (f.reorder > 0 && this.rng.chance(f.reorder)) return now + this.rng.range(f.maxDelay, f.longDelay + 1);
    const at = now + this.rng.range(f.minDelay, f.maxDelay + 1);
    if (!f.fifo) return at;
    const link = from * 65536 + to;
    const inOrder = Math.max(at, this.lastArrival.get(link) ?? 0);
    this.lastArrival.set(link, inOrder);
    return inOrder;
  }
}
