/**
 * Callers waiting for their proposal to be applied on this member. Each proposal has an id
 * unique to this member's lifetime; the apply loop settles the waiter with the state machine's
 * answer (or its EtcdError), and a timer gives up with etcd's "request timed out".
 *
 * The waiters live in a ring of slots indexed by the id's sequence number, not in a Map. A Map
 * with constant churn rebuilds its table every few hundred proposals; a table that had reached
 * V8's old generation keeps, once replaced, every waiter it held reachable for scavenges until
 * the next full collection, and a waiter holds its whole request (gRPC call, stream, buffers).
 * bench:kvstore-alloc --survivors at 16 in flight: ~4.2 KiB per put survived a scavenge with the
 * Map, ~3.75 with the ring (two noisy runs each). A slot is cleared when its waiter leaves, and
 * the ring is reallocated only when a new id lands on a slot still held (it then doubles).
 */
import type { Clock, Timer } from '@kubemu/base';
import type { InternalResponse } from '../mvcc';

interface Waiter {
  seq: number;
  resolve: (r: InternalResponse) => void;
  reject: (err: unknown) => void;
  timer: Timer;
}

const INITIAL_SLOTS = 64;

export class Proposals {
  /** The waiter of sequence number s is at slots[s % slots.length] (or nowhere). */
  private slots: Array<Waiter | undefined> = new Array<Waiter | undefined>(INITIAL_SLOTS).fill(undefined);
  private seq = 0;
  private readonly idPrefix: string;

  constructor(
    prefix: string,
    private readonly clock: Clock,
  ) {
    this.idPrefix = `${prefix}-`;
  }

  nextId(): string {
    return `${this.idPrefix}${++this.seq}`;
  }

  /** Registers `id` (from nextId) and resolves with its apply result, or rejects with timeoutError() after timeoutMs. */
  wait(id: string, timeoutMs: number, timeoutError: () => Error): Promise<InternalResponse> {
    const seq = this.seqOf(id);
    if (seq === undefined) return Promise.reject(new Error(`proposal id ${id} was not issued here`));
    return new Promise((resolve, reject) => {
      const timer = this.clock.setTimeout(() => {
        if (this.take(seq) !== undefined) reject(timeoutError());
      }, timeoutMs);
      this.place({ seq, resolve, reject, timer });
    });
  }

  /** Settles the waiter of `id`; ids of other members (or of an earlier run) have none. */
  resolve(id: string, r: InternalResponse): void {
    this.takeId(id)?.resolve(r);
  }

  reject(id: string, err: unknown): void {
    this.takeId(id)?.reject(err);
  }

  rejectAll(err: () => Error): void {
    for (const w of this.slots) if (w !== undefined) this.take(w.seq)?.reject(err());
  }

  private takeId(id: string): Waiter | undefined {
    const seq = this.seqOf(id);
    return seq === undefined ? undefined : this.take(seq);
  }

  private seqOf(id: string): number | undefined {
    if (!id.startsWith(this.idPrefix)) return undefined;
    const seq = Number(id.slice(this.idPrefix.length));
    return Number.isSafeInteger(seq) && seq > 0 ? seq : undefined;
  }

  private place(w: Waiter): void {
    // A slot still held by an older waiter (one pending longer than the ring is long): grow.
    while (this.slots[w.seq % this.slots.length] !== undefined) {
      const grown = new Array<Waiter | undefined>(this.slots.length * 2).fill(undefined);
      for (const old of this.slots) if (old !== undefined) grown[old.seq % grown.length] = old;
      this.slots = grown;
    }
    this.slots[w.seq % this.slots.length] = w;
  }

  /** Removes the waiter of `seq` and stops its timer (a no-op when the timer is what fired). */
  private take(seq: number): Waiter | undefined {
    const i = seq % this.slots.length;
    const w = this.slots[i];
    if (w === undefined || w.seq !== seq) return undefined;
    this.slots[i] = undefined;
    w.timer.cancel();
    return w;
  }
}
