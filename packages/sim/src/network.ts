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
}

export interface InFlight {
  msg: Message;
  /** The incarnation of the sender when it sent the message (snapshot status goes back to it). */
  senderIncarnation: number;
}

export const PERFECT_NETWORK: NetworkFaults = { drop: 0, duplicate: 0, minDelay: 1, maxDelay: 5, reorder: 0, longDelay: 0 };

export class Network {
  /** cut[from][to]: the link from -> to loses everything. */
  private readonly cut = new Map<NodeId, Set<NodeId>>();
  sent = 0;
  dropped = 0;
  duplicated = 0;

  constructor(
    private readonly rng: Rng,
    public faults: NetworkFaults,
  ) {}

  /** Decides the fate of a message: zero, one or two arrival delays. */
  schedule(): number[] {
    this.sent++;
    const f = this.faults;
    if (f.drop > 0 && this.rng.chance(f.drop)) {
      this.dropped++;
      return [];
    }
    const delays = [this.delay()];
    if (f.duplicate > 0 && this.rng.chance(f.duplicate)) {
      this.duplicated++;
      delays.push(this.delay());
    }
    return delays;
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

  private delay(): number {
    const f = this.faults;
    if (f.reorder > 0 && this.rng.chance(f.reorder)) return this.rng.range(f.maxDelay, f.longDelay + 1);
    return this.rng.range(f.minDelay, f.maxDelay + 1);
  }
}
