import type { Bytes } from './types';

/**
 * Keys and values live in the index as latin1 strings (see key-index.ts); these convert at the
 * edge. `fromLatin1` makes a fresh Buffer, so a caller can never alias stored state.
 */
export function toLatin1(b: Bytes | undefined | null): string {
  if (!b || b.byteLength === 0) return '';
  return Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('latin1');
}

export function fromLatin1(s: string): Buffer {
  return Buffer.from(s, 'latin1');
}

/** End of an etcd interval as a latin1 string: null = no upper bound ("\0"), '' = single key. */
export function rangeEndOf(rangeEnd: Bytes | undefined | null): string | null {
  if (!rangeEnd || rangeEnd.byteLength === 0) return '';
  if (rangeEnd.byteLength === 1 && rangeEnd[0] === 0) return null;
  return toLatin1(rangeEnd);
}

/** The rangeEnd that selects every key starting with prefix (etcd's GetPrefixRangeEnd). */
export function prefixEnd(prefix: Bytes): Buffer {
  const end = Buffer.from(prefix);
  for (let i = end.length - 1; i >= 0; i--) {
    if (end[i]! < 0xff) {
      end[i] = end[i]! + 1;
      return end.subarray(0, i + 1);
    }
  }
  return Buffer.from([0]);
}

/** Whether key lies in the interval [start, end) with end as returned by rangeEndOf. */
export function inInterval(key: string, start: string, end: string | null): boolean {
  if (end === '') return key === start;
  return key >= start && (end === null || key < end);
}
