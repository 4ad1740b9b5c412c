// guaranteedUpdate starting from the watch cache's copy of an object: a copy that lags the store
// must never change an outcome, and an up-to-date one must save the store read.
import { findResource } from '@kubemu/api';
import type { KubeObject } from '@kubemu/api';
import { RealClock, SeededRng } from '@kubemu/base';
import type { AdmissionDeps } from '../admission/admission';
import { serviceRanges } from '../apiserver';
import { isStatus } from '../http/status';
import { ObjectStore } from '../storage/object-store';
import type { Stored } from '../storage/object-store';
import { startTestApiServer } from '../test-apiserver';
import type { TestApiServer } from '../test-apiserver';
import { Registry, storeKey } from './registry';
import type { Result, Scope } from './registry';

/** The store, counting reads of single keys. */
class CountingStore extends ObjectStore {
  gets = 0;
  override get(key: string): Promise<Stored | undefined> {
    this.gets++;
    return super.get(key);
  }
}

let api: TestApiServer;
let store: CountingStore;
/** What the registry under test takes as the cache's copy, by key. */
const cached = new Map<string, Stored>();
let registry: Registry;
let plain: Registry;

beforeAll(async () => {
  api = await startTestApiServer();
  store = new CountingStore(api.server.store.client);
  const admission: AdmissionDeps = {
    rng: new SeededRng(1),
    ranges: serviceRanges('10.96.0.0/12', [30000, 32767]),
    lookup: async (resource, namespace, name) => (await store.get(`/registry/${resource}/${namespace === '' ? '' : `${namespace}/`}${name}`))?.object,
  };
  registry = new Registry(store, admission, new RealClock(), new SeededRng(2), (_info, key) => cached.get(key));
  plain = new Registry(store, admission, new RealClock(), new SeededRng(3));
});

afterAll(async () => {
  await api.stop();
});

// configmaps: no admission beyond the namespace, no status, no generation.
const info = findResource('', 'v1', 'configmaps')!;

const scope = (name: string): Scope => ({ info, namespace: 'default', name });
const ok = (r: Result): KubeObject => {
  if (isStatus(r)) throw new Error(`unexpected ${r.code} ${r.message}`);
  return r.object;
};

/** Creates a configmap, then changes it once more: returns the store's copy of the first version. */
async function withStaleCopy(name: string): Promise<{ stale: Stored; latest: KubeObject }> {
  const first = ok(await plain.create(scope(name), { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name }, data: { a: '1' } }, { dryRun: false }));
  const stale: Stored = { key: storeKey(info, 'default', name), object: first, revision: Number(first.metadata!.resourceVersion) };
  const latest = ok(await plain.patch(scope(name), (cur) => ({ ...cur, data: { a: '2' } }), { dryRun: false }));
  cached.set(stale.key, stale);
  return { stale, latest };
}

test('a patch from a stale cached copy lands on the latest object', async () => {
  await withStaleCopy('patched');
  const r = ok(await registry.patch(scope('patched'), (cur) => ({ ...cur, metadata: { ...cur.metadata, labels: { x: 'y' } } }), { dryRun: false }));
  expect(r.data).toEqual({ a: '2' });
  expect(r.metadata?.labels).toEqual({ x: 'y' });
  const stored = await store.get(storeKey(info, 'default', 'patched'));
  expect(stored?.object.data).toEqual({ a: '2' });
  expect(stored?.object.metadata?.labels).toEqual({ x: 'y' });
});

test('an update carrying the latest resourceVersion is not refused because the cached copy is older', async () => {
  const { latest } = await withStaleCopy('precondition');
  const r = await registry.update(scope('precondition'), { ...latest, data: { a: '3' } }, { dryRun: false });
  expect(ok(r).data).toEqual({ a: '3' });
});

test('an update that equals the stale copy but not the store is written, not taken for a no-op', async () => {
  const { stale } = await withStaleCopy('noop');
  const body = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'noop' }, data: { a: '1' } };
  const r = ok(await registry.update(scope('noop'), body, { dryRun: false }));
  expect(r.data).toEqual({ a: '1' });
  expect(Number(r.metadata?.resourceVersion)).toBeGreaterThan(stale.revision + 1);
  expect((await store.get(storeKey(info, 'default', 'noop')))?.object.data).toEqual({ a: '1' });
});

test('an object deleted since the cached copy is NotFound, not recreated', async () => {
  const { latest } = await withStaleCopy('gone');
  const deleted = await plain.delete(scope('gone'), { dryRun: false });
  expect(isStatus(deleted) ? deleted.status : 'Success').toBe('Success');
  const r = await registry.patch(scope('gone'), (cur) => ({ ...cur, data: { a: '9' } }), { dryRun: false });
  expect(isStatus(r) && r.code).toBe(404);
  const again = await registry.update(scope('gone'), { ...latest, data: { a: '9' } }, { dryRun: false });
  expect(isStatus(again) && again.code).toBe(404);
  expect(await store.get(storeKey(info, 'default', 'gone'))).toBeUndefined();
});

test('an up-to-date cached copy saves the store read: the write is the only round trip', async () => {
  const first = ok(await plain.create(scope('fresh'), { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'fresh' }, data: { a: '1' } }, { dryRun: false }));
  const key = storeKey(info, 'default', 'fresh');
  cached.set(key, { key, object: first, revision: Number(first.metadata!.resourceVersion) });
  const before = store.gets;
  const r = ok(await registry.patch(scope('fresh'), (cur) => ({ ...cur, data: { a: '2' } }), { dryRun: false }));
  expect(store.gets).toBe(before);
  expect(r.data).toEqual({ a: '2' });
  // The cached copy is not mutated by the attempt that started from it.
  expect(cached.get(key)?.object.data).toEqual({ a: '1' });
});
