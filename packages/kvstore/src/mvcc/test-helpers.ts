import { MvccStore } from './store';
import type { KeyValue } from './types';

/** Test shorthands: bytes from text, and a kv's fields as text. */
export const b = (s: string): Buffer => Buffer.from(s, 'latin1');

export function show(kv: KeyValue | null | undefined): string {
  if (!kv) return '-';
  return `${Buffer.from(kv.key).toString('latin1')}=${Buffer.from(kv.value).toString('latin1')} c${kv.createRevision} m${kv.modRevision} v${kv.version}${kv.lease ? ` l${kv.lease}` : ''}`;
}

export function keys(kvs: KeyValue[]): string[] {
  return kvs.map((kv) => Buffer.from(kv.key).toString('latin1'));
}

export function put(s: MvccStore, key: string, value: string, lease = 0): number {
  return s.put({ key: b(key), value: b(value), lease }).header.revision;
}
