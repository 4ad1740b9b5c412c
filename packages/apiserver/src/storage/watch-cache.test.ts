// The watch cache's window of recent changes: a watch from any revision the cache still claims to
// serve gets every later change, in order; an older one is refused (the caller goes to the store).
import { EtcdClient, startTestMember } from '@kubemu/kvstore';
import type { TestMember } from '@kubemu/kvstore';
import { ObjectStore } from './object-store';
import { WatchCache } from './watch-cache';
import type { Change } from './watch-cache';

let member: TestMember;
let client: EtcdClient;
let store: ObjectStore;

beforeAll(async () => {
  member = await startTestMember();
  client = new EtcdClient({ endpoints: [member.endpoint] });
  store = new ObjectStore(client);
});

afterAll(async () => {
  client.close();
  await member.destroy();
});

const cm = (name: string, v: string) => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: 'default' }, data: { v } });

async function until(cond: () => boolean): Promise<void> {
  for (let i = 0; i < 500 && !cond(); i++) await new Promise((r) => setTimeout(r, 10));
  expect(cond()).toBe(true);
}

test('a watch from anywhere in the window replays every later change; one from before it is refused', async () => {
  const cache = new WatchCache(store, '/registry/configmaps/', { capacity: 8 });
  await cache.start();
  const revisions: number[] = [];
  for (let i = 0; i < 40; i++) {
    const r = await store.create(`/registry/configmaps/default/c${i}`, cm(`c${i}`, String(i)));
    if (!r.ok) throw new Error(r.why);
    revisions.push(r.revision);
  }
  await until(() => cache.revision >= revisions[39]!);
  const oldest = cache.oldestServable;
  // The window keeps at least `capacity` changes and is never refilled: it starts after a write.
  expect(oldest).toBeLessThanOrEqual(revisions[39 - 8]!);
  expect(oldest).toBeGreaterThan(revisions[0]!);
  for (const from of revisions.filter((r) => r >= oldest)) {
    const got: Change[] = [];
    const w = cache.watch(from, { onChange: (c) => got.push(c), onTerminated: () => undefined });
    expect(w).toBeDefined();
    w?.stop();
    expect(got.map((c) => c.revision)).toEqual(revisions.filter((r) => r > from));
    expect(got.every((c) => c.type === 'ADDED')).toBe(true);
  }
  expect(cache.watch(oldest - 1, { onChange: () => undefined, onTerminated: () => undefined })).toBeUndefined();
  cache.stop();
});
