import { rangeEndOf, toLatin1 } from './bytes';
import { ErrDuplicateKey, ErrTooManyOps } from './errors';
import { toKeyValue } from './history';
import { eachInRange } from './range';
import { header } from './header';
import type { MvccStore } from './store';
import type { Compare, KeyValue, RequestOp, ResponseOp, TxnRequest, TxnResponse } from './types';

/** etcd's default --max-txn-ops. */
export const MAX_TXN_OPS = 128;

const EMPTY = new Uint8Array(0);
const ZERO_KV: KeyValue = { key: EMPTY, createRevision: 0, modRevision: 0, version: 0, value: EMPTY, lease: 0 };

interface Intervals {
  puts: Set<string>;
  dels: { start: string; end: string | null }[];
}

function overlaps(d: { start: string; end: string | null }, key: string): boolean {
  if (d.end === '') return d.start === key;
  return key >= d.start && (d.end === null || key < d.end);
}

/**
 * etcd's checkIntervals (etcdserver/api/v3rpc/key.go): within one branch no key may be put twice
 * and no delete may cover a put, counting nested txns (whose two branches may each put a key,
 * since only one of them runs). Runs on both branches before anything is evaluated.
 */
function checkIntervals(ops: RequestOp[]): Intervals {
  const puts = new Set<string>();
  const dels: Intervals['dels'] = [];
  for (const op of ops) {
    if (op.requestTxn) {
      const a = checkIntervals(op.requestTxn.success ?? []);
      const b = checkIntervals(op.requestTxn.failure ?? []);
      const nestedPuts = new Set([...a.puts, ...b.puts]);
      for (const k of nestedPuts) {
        if (puts.has(k)) throw new ErrDuplicateKey();
        puts.add(k);
      }
      dels.push(...a.dels, ...b.dels);
    }
  }
  for (const op of ops) {
    if (op.requestPut) {
      const k = toLatin1(op.requestPut.key);
      if (puts.has(k)) throw new ErrDuplicateKey();
      puts.add(k);
    } else if (op.requestDeleteRange) {
      dels.push({ start: toLatin1(op.requestDeleteRange.key), end: rangeEndOf(op.requestDeleteRange.rangeEnd) });
    }
  }
  for (const d of dels) for (const k of puts) if (overlaps(d, k)) throw new ErrDuplicateKey();
  return { puts, dels };
}

function checkTxnShape(r: TxnRequest): void {
  const count = (r.compare?.length ?? 0) + (r.success?.length ?? 0) + (r.failure?.length ?? 0);
  if ((r.compare?.length ?? 0) > MAX_TXN_OPS || (r.success?.length ?? 0) > MAX_TXN_OPS || (r.failure?.length ?? 0) > MAX_TXN_OPS || count > 3 * MAX_TXN_OPS) {
    throw new ErrTooManyOps();
  }
  checkIntervals(r.success ?? []);
  checkIntervals(r.failure ?? []);
}

function compareKv(c: Compare, kv: KeyValue): boolean {
  let d: number;
  switch (c.target ?? 'VERSION') {
    case 'VALUE':
      d = Buffer.compare(kv.value, c.value ?? EMPTY);
      break;
    case 'CREATE':
      d = kv.createRevision - (c.createRevision ?? 0);
      break;
    case 'MOD':
      d = kv.modRevision - (c.modRevision ?? 0);
      break;
    case 'LEASE':
      d = kv.lease - (c.lease ?? 0);
      break;
    default:
      d = kv.version - (c.version ?? 0);
  }
  switch (c.result ?? 'EQUAL') {
    case 'EQUAL':
      return d === 0;
    case 'NOT_EQUAL':
      return d !== 0;
    case 'GREATER':
      return d > 0;
    case 'LESS':
      return d < 0;
  }
}

/** etcd's applyCompare: every key in range must match; a missing key compares as a zero kv, except on VALUE. */
function compare(store: MvccStore, c: Compare): boolean {
  const kvs: KeyValue[] = [];
  eachInRange(store.index, toLatin1(c.key), rangeEndOf(c.rangeEnd), (rec) => {
    const off = rec.liveAt(store.currentRev);
    if (off >= 0) kvs.push(toKeyValue(rec, off));
    return true;
  });
  if (kvs.length === 0) return (c.target ?? 'VERSION') !== 'VALUE' && compareKv(c, ZERO_KV);
  return kvs.every((kv) => compareKv(c, kv));
}

/** The branch each txn (outer and nested) takes, decided up front against the state before the txn. */
interface Path {
  succeeded: boolean;
  nested: (Path | null)[];
}

function choosePath(store: MvccStore, r: TxnRequest): Path {
  const succeeded = (r.compare ?? []).every((c) => compare(store, c));
  const ops = (succeeded ? r.success : r.failure) ?? [];
  return { succeeded, nested: ops.map((op) => (op.requestTxn ? choosePath(store, op.requestTxn) : null)) };
}

function checkOps(store: MvccStore, r: TxnRequest, path: Path): void {
  const ops = (path.succeeded ? r.success : r.failure) ?? [];
  ops.forEach((op, i) => {
    if (op.requestRange) store.checkRange(op.requestRange);
    else if (op.requestPut) store.checkPut(op.requestPut);
    else if (op.requestDeleteRange) store.checkDelete(op.requestDeleteRange);
    else if (op.requestTxn) checkOps(store, op.requestTxn, path.nested[i]!);
  });
}

function execOps(store: MvccStore, r: TxnRequest, path: Path): TxnResponse {
  const ops = (path.succeeded ? r.success : r.failure) ?? [];
  const responses: ResponseOp[] = ops.map((op, i) => {
    if (op.requestRange) return { responseRange: store.execRange(op.requestRange) };
    if (op.requestPut) return { responsePut: store.execPut(op.requestPut) };
    if (op.requestDeleteRange) return { responseDeleteRange: store.execDelete(op.requestDeleteRange) };
    if (op.requestTxn) return { responseTxn: execOps(store, op.requestTxn, path.nested[i]!) };
    return {};
  });
  return { header: header(0), succeeded: path.succeeded, responses };
}

function stampHeaders(resp: TxnResponse, rev: number): void {
  resp.header.revision = rev;
  for (const op of resp.responses) {
    if (op.responsePut) op.responsePut.header.revision = rev;
    if (op.responseDeleteRange) op.responseDeleteRange.header.revision = rev;
    if (op.responseRange) op.responseRange.header.revision = rev;
    if (op.responseTxn) stampHeaders(op.responseTxn, rev);
  }
}

/**
 * A txn is one write: shape and duplicate checks, then every compare (nested ones too) against
 * the state before the txn, then the checks of the chosen ops, and only then the changes, all at
 * one revision (none if nothing changed). Reads inside see the txn's earlier writes.
 */
export function runTxn(store: MvccStore, r: TxnRequest): TxnResponse {
  checkTxnShape(r);
  const path = choosePath(store, r);
  checkOps(store, r, path);
  return store.write(() => execOps(store, r, path), stampHeaders);
}
