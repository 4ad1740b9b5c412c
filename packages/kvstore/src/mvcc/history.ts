import { fromLatin1 } from './bytes';
import { CREATE, KeyRecord, LEASE, MOD, SLOTS, VALUE, VERSION } from './key-index';
import type { Event, KeyValue } from './types';

const EMPTY = Buffer.alloc(0);

/** The KeyValue of the tuple at offset `off` of rec (a tombstone gives the DELETE event's kv). */
export function toKeyValue(rec: KeyRecord, off: number, keysOnly = false): KeyValue {
  const v = rec.v;
  const value = v[off + VALUE] as string | null;
  return {
    key: fromLatin1(rec.key),
    createRevision: v[off + CREATE] as number,
    modRevision: v[off + MOD] as number,
    version: v[off + VERSION] as number,
    value: keysOnly || value === null || value === '' ? EMPTY : fromLatin1(value),
    lease: v[off + LEASE] as number,
  };
}

/**
 * Every retained write in revision order: (main revision, key) per position, positions ordered by
 * (main, sub). The sub-revision of a write is its position among those of its main revision.
 * The data of a write is the key's tuple with that modRevision (unique per key, see KeyRecord).
 * Invariant: after compact(c) no position has main revision < c; watchers never start below c.
 */
export class History {
  private revs = new Float64Array(1024);
  private recs: KeyRecord[] = [];

  get length(): number {
    return this.recs.length;
  }

  append(rev: number, rec: KeyRecord): void {
    const n = this.recs.length;
    if (n === this.revs.length) {
      const grown = new Float64Array(n * 2);
      grown.set(this.revs);
      this.revs = grown;
    }
    this.revs[n] = rev;
    this.recs.push(rec);
  }

  revAt(pos: number): number {
    return this.revs[pos]!;
  }

  recAt(pos: number): KeyRecord {
    return this.recs[pos]!;
  }

  /** First position whose main revision is >= rev (length when none). */
  lowerBound(rev: number): number {
    let lo = 0;
    let hi = this.recs.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.revs[mid]! < rev) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /**
   * Compaction at rev: drops positions below rev, and positions at rev whose version the key
   * index no longer holds (a tombstone at rev is dropped with its generation).
   */
  compact(rev: number, kept: (rec: KeyRecord) => boolean): void {
    const n = this.recs.length;
    const start = this.lowerBound(rev);
    let w = 0;
    for (let r = start; r < n; r++) {
      const rec = this.recs[r]!;
      const at = this.revs[r]!;
      if (at === rev) {
        const off = kept(rec) ? rec.at(at) : -1;
        if (off < 0 || rec.v[off + MOD] !== at) continue;
      }
      this.revs[w] = at;
      this.recs[w++] = rec;
    }
    this.recs.length = w;
  }

  /** The event written at pos; prevKv when asked and the previous version is live and retained. */
  event(pos: number, withPrev: boolean): Event {
    const rec = this.recAt(pos);
    const off = rec.at(this.revAt(pos));
    const kv = toKeyValue(rec, off);
    const ev: Event = { type: rec.v[off + VALUE] === null ? 'DELETE' : 'PUT', kv };
    if (withPrev && off >= SLOTS && rec.v[off - SLOTS + VALUE] !== null) ev.prevKv = toKeyValue(rec, off - SLOTS);
    return ev;
  }

  clear(): void {
    this.revs = new Float64Array(1024);
    this.recs = [];
  }
}
