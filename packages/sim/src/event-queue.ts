/**
 * A priority queue of timed events for the discrete-event simulation: ordered by virtual time,
 * ties broken by insertion order, so the order of events depends only on the seed.
 */
export interface Timed<T> {
  time: number;
  seq: number;
  item: T;
}

export class EventQueue<T> {
  private heap: Timed<T>[] = [];
  private seq = 0;

  get size(): number {
    return this.heap.length;
  }

  push(time: number, item: T): void {
    const ev = { time, seq: this.seq++, item };
    const h = this.heap;
    h.push(ev);
    let i = h.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!less(ev, h[p] as Timed<T>)) break;
      h[i] = h[p] as Timed<T>;
      i = p;
    }
    h[i] = ev;
  }

  peekTime(): number {
    return this.heap.length === 0 ? Infinity : (this.heap[0] as Timed<T>).time;
  }

  pop(): Timed<T> | undefined {
    const h = this.heap;
    const top = h[0];
    const last = h.pop();
    if (top === undefined || last === undefined || h.length === 0) return top;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= h.length) break;
      const r = l + 1;
      const c = r < h.length && less(h[r] as Timed<T>, h[l] as Timed<T>) ? r : l;
      if (!less(h[c] as Timed<T>, last)) break;
      h[i] = h[c] as Timed<T>;
      i = c;
    }
    h[i] = last;
    return top;
  }

  /** Keeps only the events for which `keep` holds (used when a crashed node's timers die). */
  filter(keep: (item: T) => boolean): void {
    const kept = this.heap.filter((ev) => keep(ev.item));
    kept.sort((a, b) => (less(a, b) ? -1 : 1));
    this.heap = kept;
  }
}

function less<T>(a: Timed<T>, b: Timed<T>): boolean {
  return a.time < b.time || (a.time === b.time && a.seq < b.seq);
}
