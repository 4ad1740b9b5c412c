import { prefixEnd } from './bytes';
import { MvccStore } from './store';
import { b, put } from './test-helpers';
import type { WatchResponse } from './types';

function recorder(capacity = Infinity): { out: WatchResponse[]; sink: (r: WatchResponse) => boolean; events: () => string[] } {
  const out: WatchResponse[] = [];
  return {
    out,
    sink: (r) => {
      out.push(r);
      return out.length < capacity;
    },
    events: () =>
      out.flatMap((r) =>
        r.events.map((e) => `${e.type} ${Buffer.from(e.kv.key).toString()}@${e.kv.modRevision}${e.prevKv ? ` prev=${Buffer.from(e.prevKv.value).toString()}` : ''}`),
      ),
  };
}

describe('WatchHub', () => {
  it('delivers live events for a key and a prefix, with prevKv and filters', () => {
    const s = new MvccStore();
    const one = recorder();
    const pre = recorder();
    const noDel = recorder();
    s.watchHub.watch(1, { key: b('a'), prevKv: true }, one.sink);
    s.watchHub.watch(2, { key: b('p/'), rangeEnd: prefixEnd(b('p/')) }, pre.sink);
    s.watchHub.watch(3, { key: b('p/'), rangeEnd: prefixEnd(b('p/')), filters: ['NODELETE'] }, noDel.sink);
    put(s, 'a', '1');
    put(s, 'a', '2');
    put(s, 'p/x', '1');
    put(s, 'q', '1');
    s.deleteRange({ key: b('p/'), rangeEnd: prefixEnd(b('p/')) });
    expect(one.events()).toEqual(['PUT a@2', 'PUT a@3 prev=1']);
    expect(pre.events()).toEqual(['PUT p/x@4', 'DELETE p/x@6']);
    expect(noDel.events()).toEqual(['PUT p/x@4']);
    expect(one.out[1]!.watchId).toBe(1);
    expect(one.out[1]!.header.revision).toBe(3);
  });

  it('replays history from a past revision, then continues live; a txn is one response', () => {
    const s = new MvccStore();
    put(s, 'a', '1');
    put(s, 'b', '1');
    s.txn({ success: [{ requestPut: { key: b('a'), value: b('2') } }, { requestPut: { key: b('c'), value: b('1') } }] });
    const r = recorder();
    const w = s.watchHub.watch(9, { key: b('a'), rangeEnd: b('z'), startRevision: 3 }, r.sink);
    expect(s.watchHub.isSynced(w)).toBe(false);
    expect(s.watchHub.syncWatchers()).toBe(0);
    expect(r.events()).toEqual(['PUT b@3', 'PUT a@4', 'PUT c@4']);
    put(s, 'c', '2');
    expect(r.events().slice(3)).toEqual(['PUT c@5']);
  });

  it('cancels a watcher whose start revision is compacted, carrying compactRevision', () => {
    const s = new MvccStore();
    for (let i = 0; i < 5; i++) put(s, 'a', String(i));
    s.compact({ revision: 4 });
    const r = recorder();
    s.watchHub.watch(1, { key: b('a'), startRevision: 2 }, r.sink);
    s.watchHub.syncWatchers();
    expect(r.out).toHaveLength(1);
    expect(r.out[0]).toMatchObject({ canceled: true, compactRevision: 4, watchId: 1 });
    expect(s.watchHub.size).toBe(0);
    // From the compaction point itself is allowed: the retained version at 4 and later ones.
    const ok = recorder();
    s.watchHub.watch(2, { key: b('a'), startRevision: 4 }, ok.sink);
    s.watchHub.syncWatchers();
    expect(ok.events()).toEqual(['PUT a@4', 'PUT a@5', 'PUT a@6']);
  });

  it('moves a slow watcher aside without blocking writes and catches it up from history in batches', () => {
    const s = new MvccStore({ watch: { batchEvents: 3 } });
    const slow = recorder(1);
    const fast = recorder();
    const w = s.watchHub.watch(1, { key: b('k'), rangeEnd: prefixEnd(b('k')) }, slow.sink);
    s.watchHub.watch(2, { key: b('k'), rangeEnd: prefixEnd(b('k')) }, fast.sink);
    for (let i = 0; i < 10; i++) put(s, `k${i}`, 'v');
    expect(slow.out).toHaveLength(1);
    expect(fast.events()).toHaveLength(10);
    expect(s.watchHub.isSynced(w)).toBe(false);
    s.watchHub.syncWatchers(); // still paused: nothing sent
    expect(slow.out).toHaveLength(1);
    const sink2 = recorder();
    // Drain: the consumer takes everything from now on.
    slow.sink = sink2.sink;
    (w as unknown as { sink: unknown }).sink = sink2.sink;
    s.watchHub.resume(w);
    let rounds = 0;
    while (s.watchHub.syncWatchers() > 0) rounds++;
    expect(rounds).toBe(2);
    expect(sink2.out.map((r) => r.events.length)).toEqual([3, 3, 3]);
    expect([...slow.events(), ...sink2.events()]).toEqual(fast.events());
    put(s, 'k9', 'again');
    expect(sink2.events().at(-1)).toBe('PUT k9@12');
  });

  it('sends progress to idle synced watchers that asked, and on request', () => {
    const s = new MvccStore();
    const idle = recorder();
    const busy = recorder();
    const w = s.watchHub.watch(1, { key: b('x'), progressNotify: true }, idle.sink);
    s.watchHub.watch(2, { key: b('y'), progressNotify: true }, busy.sink);
    put(s, 'y', '1');
    s.watchHub.progressNotify();
    expect(idle.out).toEqual([expect.objectContaining({ events: [], header: expect.objectContaining({ revision: 2 }) })]);
    expect(busy.out).toHaveLength(1);
    expect(s.watchHub.requestProgress(w)).toBe(true);
    expect(idle.out).toHaveLength(2);
  });
});
