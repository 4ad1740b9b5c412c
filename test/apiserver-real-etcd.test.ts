/**
 * The apiserver works against the kvstore and, unchanged, against real etcd 3.4: the same checks
 * run against an apiserver process on each store (a single member started on random loopback
 * ports), through HTTPS as the admin, and the keys it wrote are listed with etcdctl 3.4 as a user
 * of a real cluster would (`etcdctl get /registry/... --prefix --keys-only`).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ApiServerProcess, haveApiserverBuild } from './support/apiserver-process';
import type { Json } from './support/apiserver-process';
import { haveEtcdctl } from './support/kvstore-cluster';
import { haveEtcd, startStore } from './support/store-process';
import type { StoreKind, StoreProcess } from './support/store-process';

jest.setTimeout(60_000);

const kinds: StoreKind[] = haveEtcd ? ['kvstore', 'etcd'] : ['kvstore'];
if (!haveEtcd) console.warn('apiserver-real-etcd: /usr/bin/etcd not found; running against the kvstore only');
if (!haveApiserverBuild) console.warn('apiserver-real-etcd skipped: build packages/apiserver first (npx tsc -b packages/apiserver)');
const maybe = haveApiserverBuild && haveEtcdctl ? describe : describe.skip;

const NS = 'judged';
const CM = `/api/v1/namespaces/${NS}/configmaps`;
const cm = (name: string, data: Record<string, string>): Json => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, labels: { set: 'paging' } }, data });

maybe.each(kinds)('apiserver on %s', (kind) => {
  let dir: string;
  let store: StoreProcess;
  let api: ApiServerProcess;

  beforeAll(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), `kubemu-api-${kind}-`));
    store = await startStore(kind, dir);
    api = await ApiServerProcess.start(path.join(dir, 'apiserver'), [store.endpoint]);
    const ns = await api.request('POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: NS } });
    expect(ns.status).toBe(201);
  });

  afterAll(async () => {
    await api?.stop();
    await store?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  test('create and get', async () => {
    const created = await api.request('POST', CM, cm('first', { a: '1' }));
    expect(created.status).toBe(201);
    expect(created.body.metadata).toMatchObject({ name: 'first', namespace: NS });
    expect(Number(created.body.metadata.resourceVersion)).toBeGreaterThan(0);
    const got = await api.request('GET', `${CM}/first`);
    expect(got.status).toBe(200);
    expect(got.body.metadata.uid).toBe(created.body.metadata.uid);
    expect(got.body.metadata.resourceVersion).toBe(created.body.metadata.resourceVersion);
    expect(got.body.data).toEqual({ a: '1' });
    const again = await api.request('POST', CM, cm('first', { a: '2' }));
    expect(again.status).toBe(409);
    expect(again.body).toMatchObject({ kind: 'Status', status: 'Failure', reason: 'AlreadyExists', message: 'configmaps "first" already exists' });
  });

  test('an update from a stale resourceVersion is a Conflict; the fresh one wins', async () => {
    const created = (await api.request('POST', CM, cm('second', { v: '1' }))).body;
    const ok = await api.request('PUT', `${CM}/second`, { ...created, data: { v: '2' } });
    expect(ok.status).toBe(200);
    expect(Number(ok.body.metadata.resourceVersion)).toBeGreaterThan(Number(created.metadata.resourceVersion));
    const stale = await api.request('PUT', `${CM}/second`, { ...created, data: { v: '3' } });
    expect(stale.status).toBe(409);
    expect(stale.body).toMatchObject({
      reason: 'Conflict',
      message: 'Operation cannot be fulfilled on configmaps "second": the object has been modified; please apply your changes to the latest version and try again',
    });
    expect((await api.request('GET', `${CM}/second`)).body.data).toEqual({ v: '2' });
  });

  test('list paging: limit and continue walk every item once, at one resourceVersion', async () => {
    for (let i = 0; i < 5; i++) expect((await api.request('POST', CM, cm(`page-${i}`, { i: String(i) }))).status).toBe(201);
    const names: string[] = [];
    const versions = new Set<string>();
    let token = '';
    let pages = 0;
    do {
      const r = await api.request('GET', `${CM}?labelSelector=set%3Dpaging&limit=2${token === '' ? '' : `&continue=${encodeURIComponent(token)}`}`);
      expect(r.status).toBe(200);
      expect(r.body.items.length).toBeLessThanOrEqual(2);
      names.push(...r.body.items.map((o: Json) => o.metadata.name as string));
      versions.add(r.body.metadata.resourceVersion as string);
      token = r.body.metadata.continue ?? '';
      if (token !== '') expect(r.body.metadata.remainingItemCount ?? 0).toBeGreaterThanOrEqual(0);
      pages++;
    } while (token !== '' && pages < 10);
    // first, second and page-0..4 carry the label: 7 items in pages of 2.
    expect(names).toEqual(['first', 'page-0', 'page-1', 'page-2', 'page-3', 'page-4', 'second']);
    expect(pages).toBe(4);
    expect(versions.size).toBe(1);
  });

  test('watch from a resourceVersion sees ADDED, MODIFIED, DELETED in order', async () => {
    const list = await api.request('GET', CM);
    const rv = list.body.metadata.resourceVersion as string;
    // Changes made before the watch opens, after the list: a watch from `rv` must replay them.
    const a = (await api.request('POST', CM, cm('watched', { n: '1' }))).body;
    const w = api.watch(`${CM}?resourceVersion=${rv}`, (evs) => evs.length >= 3);
    await w.ready;
    expect((await api.request('PUT', `${CM}/watched`, { ...a, data: { n: '2' } })).status).toBe(200);
    expect((await api.request('DELETE', `${CM}/watched`)).status).toBe(200);
    const events = await w.events;
    expect(events.map((e) => [e.type, e.object.metadata.name, e.object.data?.n])).toEqual([
      ['ADDED', 'watched', '1'],
      ['MODIFIED', 'watched', '2'],
      ['DELETED', 'watched', '2'],
    ]);
    const rvs = events.map((e) => Number(e.object.metadata.resourceVersion));
    expect(rvs[0]).toBeGreaterThan(Number(rv));
    expect(rvs[1]).toBeGreaterThan(rvs[0]!);
    expect(rvs[2]).toBeGreaterThan(rvs[1]!);
  });

  test('delete answers a Success Status (configmaps do not return the object), then get is NotFound', async () => {
    const uid = (await api.request('GET', `${CM}/first`)).body.metadata.uid as string;
    const del = await api.request('DELETE', `${CM}/first`);
    expect(del.status).toBe(200);
    expect(del.body).toMatchObject({ kind: 'Status', status: 'Success', details: { name: 'first', kind: 'configmaps', uid } });
    const gone = await api.request('GET', `${CM}/first`);
    expect(gone.status).toBe(404);
    expect(gone.body).toMatchObject({ kind: 'Status', reason: 'NotFound', code: 404, message: 'configmaps "first" not found', details: { name: 'first', kind: 'configmaps' } });
  });

  test('etcdctl 3.4 lists the keys the apiserver wrote under /registry/', async () => {
    const r = await store.etcdctl(['get', `/registry/configmaps/${NS}/`, '--prefix', '--keys-only']);
    expect(r.code).toBe(0);
    const keys = r.stdout.split('\n').filter((l) => l !== '');
    // kube-root-ca.crt is published into every namespace by kube-controller-manager, not here.
    expect(keys).toEqual(['second', 'page-0', 'page-1', 'page-2', 'page-3', 'page-4'].sort().map((n) => `/registry/configmaps/${NS}/${n}`));
    const namespaces = await store.etcdctl(['get', '/registry/namespaces/', '--prefix', '--keys-only']);
    expect(namespaces.stdout.split('\n').filter((l) => l !== '')).toEqual(expect.arrayContaining([
      '/registry/namespaces/default', `/registry/namespaces/${NS}`, '/registry/namespaces/kube-system',
    ]));
    const svc = await store.etcdctl(['get', '/registry/services/specs/default/kubernetes', '--keys-only']);
    expect(svc.stdout.trim()).toBe('/registry/services/specs/default/kubernetes');
  });
});
