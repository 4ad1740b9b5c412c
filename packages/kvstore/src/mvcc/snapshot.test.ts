import { SnapshotFormatError } from './errors';
import { MvccStore } from './store';
import { b, keys, show } from './test-helpers';
import type { InternalRequest } from './types';
import { SeededRng } from '@kubemu/base';

function workload(seed: number, n: number): InternalRequest[] {
  const rng = new SeededRng(seed);
  const reqs: InternalRequest[] = [{ leaseGrant: { ID: 100, TTL: 30 } }, { leaseGrant: { ID: 200, TTL: 30 } }];
  for (let i = 0; i < n; i++) {
    const key = b(`/registry/k${rng.int(50)}`);
    const roll = rng.int(10);
    if (roll < 6) reqs.push({ put: { key, value: b(`v${i}`), lease: roll === 0 ? 100 : 0 } });
    else if (roll < 8) reqs.push({ deleteRange: { key } });
    else if (roll < 9) reqs.push({ txn: { compare: [{ target: 'VERSION', result: 'GREATER', key, version: 1 }], success: [{ requestDeleteRange: { key } }], failure: [{ requestPut: { key, value: b('t') } }] } });
    else reqs.push({ compaction: { revision: Math.max(1, i - 20) } });
  }
  reqs.push({ leaseRevoke: { ID: 200 } });
  return reqs;
}

function feed(s: MvccStore, reqs: InternalRequest[]): void {
  for (const r of reqs) {
    try {
      s.apply(r, { now: 0 });
    } catch {
      // Failed applies (compacting twice) change nothing, identically on every member.
    }
  }
}

describe('snapshots', () => {
  it('round-trips keys, history, leases and the compaction point', () => {
    const s = new MvccStore();
    feed(s, workload(1, 400));
    const data = s.snapshot();
    const t = new MvccStore();
    t.restore(data);
    expect(Buffer.compare(t.snapshot(), data)).toBe(0);
    expect(t.currentRev).toBe(s.currentRev);
    expect(t.compactRev).toBe(s.compactRev);
    const all = { key: Buffer.from([0]), rangeEnd: Buffer.from([0]) };
    expect(t.range(all).kvs.map(show)).toEqual(s.range(all).kvs.map(show));
    expect(t.range({ ...all, revision: s.compactRev }).kvs.map(show)).toEqual(s.range({ ...all, revision: s.compactRev }).kvs.map(show));
    expect(t.leaseTimeToLive(100, 0, true).keys.map(String)).toEqual(s.leaseTimeToLive(100, 0, true).keys.map(String));
    // The restored store keeps working the same way.
    const next: InternalRequest = { put: { key: b('/registry/new'), value: b('1'), lease: 100 } };
    expect(t.apply(next, { now: 0 })).toEqual(s.apply(next, { now: 0 }));
    expect(keys(t.range({ key: b('/registry/new') }).kvs)).toEqual(['/registry/new']);
  });

  it('is deterministic: two stores fed the same requests give identical bytes', () => {
    const reqs = workload(7, 500);
    const a = new MvccStore();
    const c = new MvccStore();
    feed(a, reqs);
    c.promote(12345, 999); // lease deadlines are local and stay out of snapshots
    feed(c, reqs);
    expect(Buffer.compare(a.snapshot(), c.snapshot())).toBe(0);
  });

  it('lets a watcher catch up after restore', () => {
    const s = new MvccStore();
    feed(s, workload(3, 50));
    const t = new MvccStore();
    const got: string[] = [];
    t.watchHub.watch(1, { key: b('/registry/'), rangeEnd: b('/registry0'), startRevision: s.compactRev + 1 }, (r) => {
      got.push(...r.events.map((e) => `${e.type}@${e.kv.modRevision}`));
      return true;
    });
    t.restore(s.snapshot());
    t.watchHub.syncWatchers();
    expect(got.length).toBeGreaterThan(0);
  });

  it('refuses garbage', () => {
    const t = new MvccStore();
    expect(() => t.restore(b('nope, not a snapshot'))).toThrow(SnapshotFormatError);
    const s = new MvccStore();
    feed(s, workload(2, 20));
    const data = s.snapshot();
    expect(() => t.restore(data.subarray(0, data.length - 3))).toThrow(SnapshotFormatError);
    // A refused snapshot leaves the store as it was.
    t.restore(data);
    expect(() => t.restore(data.subarray(0, data.length - 3))).toThrow(SnapshotFormatError);
    expect(Buffer.compare(t.snapshot(), data)).toBe(0);
  });
});
