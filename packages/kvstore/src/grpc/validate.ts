/**
 * The request checks etcd's gRPC layer makes before a request reaches consensus
 * (server/etcdserver/api/v3rpc/key.go), with the same errors.
 */
import { ErrDuplicateKey, ErrEmptyKey, ErrLeaseProvided, ErrTooManyOps, ErrValueProvided } from '../mvcc';
import type { DeleteRangeRequest, PutRequest, RangeRequest, RequestOp, TxnRequest } from './etcd-types';

/** etcd's --max-txn-ops default. */
export const MAX_TXN_OPS = 128;

export function checkRange(req: RangeRequest): void {
  if (isEmpty(req.key)) throw new ErrEmptyKey();
}

export function checkPut(req: PutRequest): void {
  if (isEmpty(req.key)) throw new ErrEmptyKey();
  if (req.ignoreValue === true && !isEmpty(req.value)) throw new ErrValueProvided();
  if (req.ignoreLease === true && (req.lease ?? 0) !== 0) throw new ErrLeaseProvided();
}

export function checkDeleteRange(req: DeleteRangeRequest): void {
  if (isEmpty(req.key)) throw new ErrEmptyKey();
}

export function checkTxn(req: TxnRequest): void {
  const compare = req.compare ?? [];
  const success = req.success ?? [];
  const failure = req.failure ?? [];
  if (compare.length > MAX_TXN_OPS || success.length > MAX_TXN_OPS || failure.length > MAX_TXN_OPS) {
    throw new ErrTooManyOps();
  }
  for (const c of compare) if (isEmpty(c.key)) throw new ErrEmptyKey();
  checkOps(success);
  checkOps(failure);
}

function checkOps(ops: RequestOp[]): void {
  for (const op of ops) {
    if (op.requestRange) checkRange(op.requestRange);
    else if (op.requestPut) checkPut(op.requestPut);
    else if (op.requestDeleteRange) checkDeleteRange(op.requestDeleteRange);
    else if (op.requestTxn) checkTxn(op.requestTxn);
  }
  checkNoDuplicatePuts(ops);
}

const isEmpty = (b: Uint8Array | undefined): boolean => b === undefined || b.length === 0;
const EMPTY = new Uint8Array(0);
const hex = (b: Uint8Array | undefined): string => Buffer.from(b ?? EMPTY).toString('hex');

/**
 * One branch may not write a key twice: two puts of one key, or a put inside a deleted range
 * (etcd's "duplicate key given in txn request"). Nested txns are checked on their own.
 */
function checkNoDuplicatePuts(ops: RequestOp[]): void {
  const puts = new Set<string>();
  for (const op of ops) {
    if (!op.requestPut) continue;
    const k = hex(op.requestPut.key);
    if (puts.has(k)) throw new ErrDuplicateKey();
    puts.add(k);
  }
  for (const op of ops) {
    const del = op.requestDeleteRange;
    if (!del) continue;
    for (const op2 of ops) {
      if (op2.requestPut && inRange(op2.requestPut.key ?? EMPTY, del.key ?? EMPTY, del.rangeEnd)) throw new ErrDuplicateKey();
    }
  }
}

function inRange(k: Uint8Array, key: Uint8Array, rangeEnd: Uint8Array | undefined): boolean {
  const cmpKey = Buffer.compare(Buffer.from(k), Buffer.from(key));
  if (rangeEnd === undefined || rangeEnd.length === 0) return cmpKey === 0;
  if (rangeEnd.length === 1 && rangeEnd[0] === 0) return cmpKey >= 0;
  return cmpKey >= 0 && Buffer.compare(Buffer.from(k), Buffer.from(rangeEnd)) < 0;
}
