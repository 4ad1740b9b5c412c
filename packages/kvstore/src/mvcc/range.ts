import { fromLatin1, rangeEndOf, toLatin1 } from './bytes';
import { ErrCompacted, ErrEmptyKey, ErrFutureRev } from './errors';
import { toKeyValue } from './history';
import type { KeyIndex, KeyRecord } from './key-index';
import type { KeyValue, RangeRequest, SortTarget } from './types';

/** Calls fn for each record in the interval of (key, rangeEnd) in key order until fn returns false. */
export function eachInRange(index: KeyIndex, key: string, end: string | null, fn: (rec: KeyRecord) => boolean): void {
  if (end === '') {
    const rec = index.get(key);
    if (rec) fn(rec);
    return;
  }
  if (end !== null && end <= key) return;
  index.forEach(key, end, fn);
}

/** Resolves a read revision (0 = current) against the readable window, throwing etcd's errors. */
export function readRevision(requested: number | undefined, current: number, compacted: number): number {
  const rev = requested && requested > 0 ? requested : current;
  if (rev > current) throw new ErrFutureRev();
  if (rev < compacted) throw new ErrCompacted();
  return rev;
}

export interface RangeResult {
  kvs: KeyValue[];
  more: boolean;
  count: number;
}

function sortKey(kv: KeyValue, target: SortTarget): number | Uint8Array {
  switch (target) {
    case 'KEY':
      return kv.key;
    case 'VERSION':
      return kv.version;
    case 'CREATE':
      return kv.createRevision;
    case 'MOD':
      return kv.modRevision;
    case 'VALUE':
      return kv.value;
  }
}

function cmp(a: number | Uint8Array, b: number | Uint8Array): number {
  if (typeof a === 'number') return a - (b as number);
  return Buffer.compare(a, b as Uint8Array);
}

/**
 * etcd's Range (etcdserver/apply.go): with sorting or revision filters everything in range is
 * fetched, then filtered, sorted and cut to `limit`; otherwise limit+1 are fetched to learn
 * `more`. `count` is the number of keys in range at the revision, before filters and limit.
 */
export function rangeAt(index: KeyIndex, r: RangeRequest, rev: number): RangeResult {
  const key = toLatin1(r.key);
  if (key === '') throw new ErrEmptyKey();
  const end = rangeEndOf(r.rangeEnd);
  const limit = r.limit ?? 0;
  const filtered = !!(r.minModRevision || r.maxModRevision || r.minCreateRevision || r.maxCreateRevision);
  let order = r.sortOrder ?? 'NONE';
  const target = r.sortTarget ?? 'KEY';
  if (target !== 'KEY' && order === 'NONE') order = 'ASCEND';
  else if (target === 'KEY' && order === 'ASCEND') order = 'NONE';
  const fetch = r.countOnly ? 0 : order !== 'NONE' || filtered || limit <= 0 ? Infinity : limit + 1;
  // Values are materialized only when asked and needed by the sort.
  const keysOnly = !!r.keysOnly && !(order !== 'NONE' && target === 'VALUE');
  let kvs: KeyValue[] = [];
  let count = 0;
  eachInRange(index, key, end, (rec) => {
    const off = rec.liveAt(rev);
    if (off < 0) return true;
    count++;
    if (kvs.length < fetch) kvs.push(toKeyValue(rec, off, keysOnly));
    return true;
  });
  if (filtered) {
    kvs = kvs.filter(
      (kv) =>
        (!r.minModRevision || kv.modRevision >= r.minModRevision) &&
        (!r.maxModRevision || kv.modRevision <= r.maxModRevision) &&
        (!r.minCreateRevision || kv.createRevision >= r.minCreateRevision) &&
        (!r.maxCreateRevision || kv.createRevision <= r.maxCreateRevision),
    );
  }
  if (order !== 'NONE') {
    const sign = order === 'DESCEND' ? -1 : 1;
    // Array.prototype.sort is stable, so equal sort keys stay in key order.
    kvs.sort((a, b) => sign * cmp(sortKey(a, target), sortKey(b, target)));
  }
  let more = false;
  if (limit > 0 && kvs.length > limit) {
    kvs.length = limit;
    more = true;
  }
  if (r.keysOnly && !keysOnly) for (const kv of kvs) kv.value = fromLatin1('');
  return { kvs, more, count };
}
