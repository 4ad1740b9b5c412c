/**
 * The in-memory key index: every key that has retained history, sorted by key bytes, each with
 * its versions. Compactness matters (1M keys must fit with values in well under 1 GiB), so:
 *
 * - Keys and values are held as latin1 JS strings: one byte per byte in V8's one-byte strings,
 *   no Buffer object per value, and `<` on latin1 strings orders exactly as bytes compare.
 * - A key's versions are one flat array of 5-slot tuples, oldest first (no object per revision).
 * - The sorted order is two sorted arrays: a large `base` and a small `recent` that takes inserts
 *   and is merged into `base` when it grows past ~4*sqrt(n). Lookups and ranges are binary
 *   searches into both, so a range costs O(log n + k); an insert costs O(sqrt n) amortized.
 */

/** Tuple layout inside KeyRecord.v: [modRevision, createRevision, version, lease, value]. */
export const MOD = 0;
export const CREATE = 1;
export const VERSION = 2;
export const LEASE = 3;
export const VALUE = 4;
export const SLOTS = 5;

export class KeyRecord {
  /**
   * Versions, oldest first, SLOTS slots each. Invariant: modRevisions strictly increase (a key is
   * written at most once per main revision: etcd's duplicate-key rule). A tombstone has value
   * null and create = version = lease = 0; a tombstone is never the first tuple.
   */
  v: (number | string | null)[] = [];

  /** Scratch ordinal used while encoding a snapshot (avoids a Map of 1M entries). */
  ord = 0;

  constructor(readonly key: string) {}

  get count(): number {
    return this.v.length / SLOTS;
  }

  /** Tuple offset (into v) of the newest version with modRevision <= rev, or -1. */
  at(rev: number): number {
    const v = this.v;
    let lo = 0;
    let hi = v.length / SLOTS - 1;
    if (hi < 0 || (v[hi * SLOTS] as number) <= rev) return hi * SLOTS;
    let found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if ((v[mid * SLOTS] as number) <= rev) {
        found = mid;
        lo = mid + 1;
      } else {
        hi = mid - 1;
      }
    }
    return found < 0 ? -1 : found * SLOTS;
  }

  /** Tuple offset of the live version at rev (not a tombstone), or -1. */
  liveAt(rev: number): number {
    const o = this.at(rev);
    return o >= 0 && this.v[o + VALUE] !== null ? o : -1;
  }

  /** Offset of the newest tuple, or -1 when empty. */
  last(): number {
    return this.v.length - SLOTS;
  }

  push(mod: number, create: number, version: number, lease: number, value: string | null): void {
    // Most keys hold one version: an array literal is allocated at its exact size, where push()
    // on an empty array would reserve 16 spare slots.
    if (this.v.length === 0) this.v = [mod, create, version, lease, value];
    else this.v.push(mod, create, version, lease, value);
  }
}

function lowerBound(arr: KeyRecord[], key: string): number {
  let lo = 0;
  let hi = arr.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (arr[mid]!.key < key) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

export class KeyIndex {
  private base: KeyRecord[] = [];
  private recent: KeyRecord[] = [];

  get size(): number {
    return this.base.length + this.recent.length;
  }

  get(key: string): KeyRecord | undefined {
    const r = this.recent[lowerBound(this.recent, key)];
    if (r !== undefined && r.key === key) return r;
    const s = this.base[lowerBound(this.base, key)];
    return s !== undefined && s.key === key ? s : undefined;
  }

  /** Returns the record of `key`, creating an empty one when absent. */
  getOrCreate(key: string): KeyRecord {
    const found = this.get(key);
    if (found) return found;
    const rec = new KeyRecord(key);
    this.recent.splice(lowerBound(this.recent, key), 0, rec);
    if (this.recent.length > 64 && this.recent.length * this.recent.length > 16 * this.base.length) this.merge();
    return rec;
  }

  /**
   * Calls fn for each record with start <= key < end in key order (end null: no upper bound)
   * until fn returns false.
   */
  forEach(start: string, end: string | null, fn: (rec: KeyRecord) => boolean): void {
    const a = this.base;
    const b = this.recent;
    let i = lowerBound(a, start);
    let j = lowerBound(b, start);
    for (;;) {
      const x = a[i];
      const y = b[j];
      let next: KeyRecord;
      if (x === undefined && y === undefined) return;
      if (y === undefined || (x !== undefined && x.key < y.key)) {
        next = x!;
        i++;
      } else {
        next = y;
        j++;
      }
      if (end !== null && next.key >= end) return;
      if (!fn(next)) return;
    }
  }

  /** Drops every record for which keep returns false; O(n). */
  retain(keep: (rec: KeyRecord) => boolean): void {
    this.merge();
    this.base = this.base.filter(keep);
  }

  /** Rebuilds from records already sorted by key (snapshot restore). */
  loadSorted(records: KeyRecord[]): void {
    this.base = records;
    this.recent = [];
  }

  private merge(): void {
    if (this.recent.length === 0) return;
    const a = this.base;
    const b = this.recent;
    const out: KeyRecord[] = new Array<KeyRecord>(a.length + b.length);
    // Binary-search each recent key's place in base and block-copy the run before it, so a
    // merge costs O(|recent| log n) comparisons and plain moves for the rest.
    let i = 0;
    let k = 0;
    for (const rec of b) {
      let lo = i;
      let hi = a.length;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (a[mid]!.key < rec.key) lo = mid + 1;
        else hi = mid;
      }
      while (i < lo) out[k++] = a[i++]!;
      out[k++] = rec;
    }
    while (i < a.length) out[k++] = a[i++]!;
    this.base = out;
    this.recent = [];
  }
}
