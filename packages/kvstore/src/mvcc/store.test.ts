import { prefixEnd } from './bytes';
import { ErrCompacted, ErrEmptyKey, ErrFutureRev, ErrKeyNotFound, ErrLeaseNotFound, GrpcCode } from './errors';
import { MvccStore } from './store';
import { b, keys, put, show } from './test-helpers';

describe('MvccStore revisions', () => {
  it('starts at revision 1 and counts versions through put/delete/put', () => {
    const s = new MvccStore();
    expect(s.range({ key: b('a') }).header.revision).toBe(1);
    expect(put(s, 'a', '1')).toBe(2);
    expect(put(s, 'a', '2')).toBe(3);
    expect(show(s.range({ key: b('a') }).kvs[0])).toBe('a=2 c2 m3 v2');
    const del = s.deleteRange({ key: b('a'), prevKv: true });
    expect(del.deleted).toBe(1);
    expect(show(del.prevKvs[0])).toBe('a=2 c2 m3 v2');
    expect(del.header.revision).toBe(4);
    expect(s.range({ key: b('a') }).kvs).toEqual([]);
    expect(put(s, 'a', '3')).toBe(5);
    // A new generation: version restarts, createRevision is the re-creating write.
    expect(show(s.range({ key: b('a') }).kvs[0])).toBe('a=3 c5 m5 v1');
    // Reads in the past see each generation.
    expect(show(s.range({ key: b('a'), revision: 3 }).kvs[0])).toBe('a=2 c2 m3 v2');
    expect(s.range({ key: b('a'), revision: 4 }).kvs).toEqual([]);
  });

  it('does not bump the revision for a delete that deletes nothing', () => {
    const s = new MvccStore();
    put(s, 'a', '1');
    const del = s.deleteRange({ key: b('zz') });
    expect(del.deleted).toBe(0);
    expect(del.header.revision).toBe(2);
  });

  it('returns prevKv on put and honours ignoreValue / ignoreLease', () => {
    const s = new MvccStore();
    expect(s.put({ key: b('k'), value: b('v1'), prevKv: true }).prevKv).toBeUndefined();
    expect(show(s.put({ key: b('k'), value: b('v2'), prevKv: true }).prevKv)).toBe('k=v1 c2 m2 v1');
    s.leaseGrant({ ID: 7, TTL: 10 }, 0);
    s.put({ key: b('k'), value: b('v3'), lease: 7 });
    s.put({ key: b('k'), ignoreValue: true, lease: 7 });
    expect(show(s.range({ key: b('k') }).kvs[0])).toBe('k=v3 c2 m5 v4 l7');
    s.put({ key: b('k'), value: b('v4'), ignoreLease: true });
    expect(show(s.range({ key: b('k') }).kvs[0])).toBe('k=v4 c2 m6 v5 l7');
    expect(() => s.put({ key: b('missing'), ignoreValue: true })).toThrow(ErrKeyNotFound);
    expect(() => s.put({ key: b('missing'), value: b('x'), ignoreLease: true })).toThrow(ErrKeyNotFound);
    expect(() => s.put({ key: b('k'), value: b('x'), lease: 99 })).toThrow(ErrLeaseNotFound);
    expect(() => s.put({ key: b(''), value: b('x') })).toThrow(ErrEmptyKey);
    expect(s.range({ key: b('k') }).header.revision).toBe(6);
  });
});

describe('MvccStore ranges', () => {
  const seed = (): MvccStore => {
    const s = new MvccStore();
    for (const k of ['a', 'ab', 'abc', 'b', 'c/1', 'c/2', 'c/3', 'd']) put(s, k, `v-${k}`);
    return s;
  };

  it('selects a single key, a prefix, [key, end) and everything from key with \\0', () => {
    const s = seed();
    expect(keys(s.range({ key: b('ab') }).kvs)).toEqual(['ab']);
    expect(keys(s.range({ key: b('a'), rangeEnd: prefixEnd(b('a')) }).kvs)).toEqual(['a', 'ab', 'abc']);
    expect(keys(s.range({ key: b('c/'), rangeEnd: prefixEnd(b('c/')) }).kvs)).toEqual(['c/1', 'c/2', 'c/3']);
    expect(keys(s.range({ key: b('ab'), rangeEnd: b('c/2') }).kvs)).toEqual(['ab', 'abc', 'b', 'c/1']);
    expect(keys(s.range({ key: b('c/3'), rangeEnd: Buffer.from([0]) }).kvs)).toEqual(['c/3', 'd']);
    expect(s.range({ key: Buffer.from([0]), rangeEnd: Buffer.from([0]) }).count).toBe(8);
    expect(s.range({ key: b('d'), rangeEnd: b('a') }).kvs).toEqual([]);
  });

  it('limits with more and count, counts only, keys only', () => {
    const s = seed();
    const r = s.range({ key: b('a'), rangeEnd: Buffer.from([0]), limit: 3 });
    expect(keys(r.kvs)).toEqual(['a', 'ab', 'abc']);
    expect(r.more).toBe(true);
    expect(r.count).toBe(8);
    const all = s.range({ key: b('a'), rangeEnd: Buffer.from([0]), limit: 8 });
    expect(all.more).toBe(false);
    const c = s.range({ key: b('c/'), rangeEnd: prefixEnd(b('c/')), countOnly: true });
    expect(c.kvs).toEqual([]);
    expect(c.count).toBe(3);
    const k = s.range({ key: b('c/'), rangeEnd: prefixEnd(b('c/')), keysOnly: true });
    expect(k.kvs.map((kv) => kv.value.length)).toEqual([0, 0, 0]);
  });

  it('sorts by each target and filters by mod/create revision', () => {
    const s = seed();
    put(s, 'a', 'zzz');
    const all = { key: b('a'), rangeEnd: Buffer.from([0]) };
    expect(keys(s.range({ ...all, sortOrder: 'DESCEND' }).kvs)).toEqual(['d', 'c/3', 'c/2', 'c/1', 'b', 'abc', 'ab', 'a']);
    expect(keys(s.range({ ...all, sortTarget: 'MOD', sortOrder: 'DESCEND', limit: 2 }).kvs)).toEqual(['a', 'd']);
    expect(keys(s.range({ ...all, sortTarget: 'VERSION', sortOrder: 'DESCEND', limit: 1 }).kvs)).toEqual(['a']);
    expect(keys(s.range({ ...all, sortTarget: 'CREATE', limit: 2 }).kvs)).toEqual(['a', 'ab']);
    expect(keys(s.range({ ...all, sortTarget: 'VALUE', sortOrder: 'DESCEND', limit: 1, keysOnly: true }).kvs)).toEqual(['a']);
    expect(keys(s.range({ ...all, minModRevision: 8, maxCreateRevision: 8 }).kvs)).toEqual(['a', 'c/3']);
    expect(keys(s.range({ ...all, maxModRevision: 3 }).kvs)).toEqual(['ab']);
  });

  it('refuses future revisions', () => {
    const s = seed();
    expect(() => s.range({ key: b('a'), revision: 100 })).toThrow(ErrFutureRev);
  });
});

describe('MvccStore compaction', () => {
  it('keeps the latest version of each key at the compaction point and refuses reads below it', () => {
    const s = new MvccStore();
    put(s, 'a', '1'); // 2
    put(s, 'a', '2'); // 3
    put(s, 'b', '1'); // 4
    s.deleteRange({ key: b('b') }); // 5
    put(s, 'a', '3'); // 6
    s.compact({ revision: 5 });
    expect(() => s.range({ key: b('a'), revision: 4 })).toThrow(ErrCompacted);
    try {
      s.range({ key: b('a'), revision: 4 });
    } catch (err) {
      expect((err as ErrCompacted).grpcCode).toBe(GrpcCode.OUT_OF_RANGE);
      expect((err as Error).message).toBe('etcdserver: mvcc: required revision has been compacted');
    }
    expect(show(s.range({ key: b('a'), revision: 5 }).kvs[0])).toBe('a=2 c2 m3 v2');
    expect(s.range({ key: b('b'), revision: 5 }).kvs).toEqual([]);
    expect(show(s.range({ key: b('a') }).kvs[0])).toBe('a=3 c2 m6 v3');
    expect(s.index.size).toBe(1);
    expect(() => s.compact({ revision: 5 })).toThrow(ErrCompacted);
    expect(() => s.compact({ revision: 3 })).toThrow(ErrCompacted);
    expect(() => s.compact({ revision: 7 })).toThrow(ErrFutureRev);
    s.compact({ revision: 6 });
    expect(show(s.range({ key: b('a') }).kvs[0])).toBe('a=3 c2 m6 v3');
  });

  it('handles many keys across the insert buffer merge', () => {
    const s = new MvccStore();
    const names: string[] = [];
    for (let i = 0; i < 3000; i++) names.push(`k${(i * 7919) % 3000}`.padEnd(6, '_'));
    for (const n of names) put(s, n, n);
    const r = s.range({ key: b('k'), rangeEnd: prefixEnd(b('k')) });
    expect(r.count).toBe(3000);
    expect(keys(r.kvs)).toEqual([...names].sort());
    expect(keys(s.range({ key: b('k1'), rangeEnd: b('k2'), limit: 2 }).kvs)).toEqual([...names].sort().filter((k) => k >= 'k1').slice(0, 2));
  });
});
