import { ErrDuplicateKey, ErrKeyNotFound, ErrLeaseNotFound, ErrTooManyOps } from './errors';
import { MvccStore } from './store';
import { b, keys, put, show } from './test-helpers';
import type { Compare, RequestOp } from './types';

const putOp = (k: string, v: string): RequestOp => ({ requestPut: { key: b(k), value: b(v) } });
const getOp = (k: string): RequestOp => ({ requestRange: { key: b(k) } });
const delOp = (k: string, end?: string): RequestOp => ({ requestDeleteRange: end ? { key: b(k), rangeEnd: b(end) } : { key: b(k) } });

describe('txn', () => {
  const seed = (): MvccStore => {
    const s = new MvccStore();
    s.leaseGrant({ ID: 5, TTL: 60 }, 0);
    put(s, 'a', 'x'); // 2
    put(s, 'a', 'y', 5); // 3
    put(s, 'b', 'z'); // 4
    return s;
  };

  it.each<[string, Compare, boolean]>([
    ['value =', { target: 'VALUE', result: 'EQUAL', key: b('a'), value: b('y') }, true],
    ['value >', { target: 'VALUE', result: 'GREATER', key: b('a'), value: b('x') }, true],
    ['value of a missing key', { target: 'VALUE', result: 'NOT_EQUAL', key: b('nope'), value: b('x') }, false],
    ['version =', { target: 'VERSION', result: 'EQUAL', key: b('a'), version: 2 }, true],
    ['version of a missing key is 0', { target: 'VERSION', result: 'EQUAL', key: b('nope'), version: 0 }, true],
    ['create <', { target: 'CREATE', result: 'LESS', key: b('a'), createRevision: 3 }, true],
    ['mod !=', { target: 'MOD', result: 'NOT_EQUAL', key: b('a'), modRevision: 3 }, false],
    ['lease =', { target: 'LEASE', result: 'EQUAL', key: b('a'), lease: 5 }, true],
    ['range: every key must match', { target: 'MOD', result: 'GREATER', key: b('a'), rangeEnd: b('c'), modRevision: 3 }, false],
    ['range: all match', { target: 'MOD', result: 'GREATER', key: b('a'), rangeEnd: b('c'), modRevision: 2 }, true],
  ])('compares %s', (_name, cmp, expected) => {
    const s = seed();
    const r = s.txn({ compare: [cmp], success: [getOp('a')], failure: [getOp('b')] });
    expect(r.succeeded).toBe(expected);
    expect(keys(r.responses[0]!.responseRange!.kvs)).toEqual([expected ? 'a' : 'b']);
    expect(r.header.revision).toBe(4);
  });

  it('commits all writes of a branch at one revision and reads its own writes', () => {
    const s = seed();
    const r = s.txn({
      compare: [{ target: 'VALUE', result: 'EQUAL', key: b('b'), value: b('z') }],
      success: [putOp('c', '1'), delOp('b'), getOp('c'), putOp('d', '2')],
    });
    expect(r.succeeded).toBe(true);
    expect(r.header.revision).toBe(5);
    expect(show(r.responses[2]!.responseRange!.kvs[0])).toBe('c=1 c5 m5 v1');
    expect(r.responses[1]!.responseDeleteRange!.deleted).toBe(1);
    expect(keys(s.range({ key: b('a'), rangeEnd: b('z') }).kvs)).toEqual(['a', 'c', 'd']);
    // A read-only txn does not move the revision.
    expect(s.txn({ success: [getOp('a')] }).header.revision).toBe(5);
  });

  it('runs nested txns, deciding every compare against the state before the txn', () => {
    const s = seed();
    const r = s.txn({
      success: [
        putOp('b', 'new'),
        { requestTxn: { compare: [{ target: 'VALUE', key: b('b'), value: b('z') }], success: [putOp('n', 'yes')], failure: [putOp('n', 'no')] } },
      ],
    });
    expect(r.responses[1]!.responseTxn!.succeeded).toBe(true);
    expect(show(s.range({ key: b('n') }).kvs[0])).toBe('n=yes c5 m5 v1');
    expect(s.range({ key: b('n') }).header.revision).toBe(5);
  });

  it('refuses duplicate keys in a branch, including deletes covering puts and nested puts', () => {
    const s = seed();
    expect(() => s.txn({ success: [putOp('a', '1'), putOp('a', '2')] })).toThrow(ErrDuplicateKey);
    expect(() => s.txn({ success: [delOp('a', 'c'), putOp('b', '2')] })).toThrow(ErrDuplicateKey);
    expect(() => s.txn({ failure: [putOp('a', '1'), { requestTxn: { success: [putOp('a', '2')] } }] })).toThrow(ErrDuplicateKey);
    expect(() => s.txn({ success: [putOp('a', '1')], failure: [putOp('a', '2')] })).not.toThrow();
    expect(() => s.txn({ success: [delOp('a'), delOp('a', 'c')] })).not.toThrow();
    expect(() => s.txn({ success: [{ requestTxn: { success: [putOp('q', '1')], failure: [putOp('q', '2')] } }] })).not.toThrow();
    try {
      s.txn({ success: [putOp('x', '1'), putOp('x', '2')] });
    } catch (err) {
      expect((err as Error).message).toBe('etcdserver: duplicate key given in txn request');
    }
  });

  it('fails atomically when a chosen op is invalid', () => {
    const s = seed();
    expect(() => s.txn({ success: [putOp('p', '1'), { requestPut: { key: b('q'), value: b('v'), lease: 42 } }] })).toThrow(ErrLeaseNotFound);
    expect(() => s.txn({ success: [putOp('p', '1'), { requestPut: { key: b('q'), ignoreValue: true } }] })).toThrow(ErrKeyNotFound);
    expect(s.range({ key: b('p') }).kvs).toEqual([]);
    expect(s.range({ key: b('p') }).header.revision).toBe(4);
    const many = Array.from({ length: 129 }, (_, i) => putOp(`k${i}`, 'v'));
    expect(() => s.txn({ success: many })).toThrow(ErrTooManyOps);
  });
});
