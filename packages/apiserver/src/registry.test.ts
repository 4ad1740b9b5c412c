// The generic registry through HTTP against a real store: object semantics a kubectl user sees.
import { startTestApiServer } from './test-apiserver';
import type { Json, TestApiServer } from './test-apiserver';

let api: TestApiServer;

beforeAll(async () => {
  api = await startTestApiServer();
});

afterAll(async () => {
  await api.stop();
});

const cm = (name: string, data: Record<string, string> = { a: '1' }, labels?: Record<string, string>) => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name, ...(labels ? { labels } : {}) },
  data,
});

test('bootstrap: system namespaces and the kubernetes service exist', async () => {
  const ns = await api.request('GET', '/api/v1/namespaces');
  expect(ns.status).toBe(200);
  expect(ns.body.items.map((n: Json) => n.metadata.name)).toEqual(expect.arrayContaining(['default', 'kube-system', 'kube-public', 'kube-node-lease']));
  const svc = await api.request('GET', '/api/v1/namespaces/default/services/kubernetes');
  expect(svc.body.spec.clusterIP).toBe('10.96.0.1');
});

test('create sets uid, creationTimestamp and resourceVersion; a second create is AlreadyExists', async () => {
  const r = await api.request('POST', '/api/v1/namespaces/default/configmaps', cm('one'));
  expect(r.status).toBe(201);
  expect(r.body.metadata.uid).toMatch(/^[0-9a-f-]{36}$/);
  expect(r.body.metadata.creationTimestamp).toMatch(/Z$/);
  expect(Number(r.body.metadata.resourceVersion)).toBeGreaterThan(0);
  const again = await api.request('POST', '/api/v1/namespaces/default/configmaps', cm('one'));
  expect(again.status).toBe(409);
  expect(again.body).toMatchObject({ kind: 'Status', reason: 'AlreadyExists', message: 'configmaps "one" already exists', details: { name: 'one', kind: 'configmaps' } });
});

test('update with a stale resourceVersion is a 409 Conflict; a fresh one succeeds', async () => {
  const created = (await api.request('POST', '/api/v1/namespaces/default/configmaps', cm('two'))).body;
  const ok = await api.request('PUT', '/api/v1/namespaces/default/configmaps/two', { ...created, data: { a: '2' } });
  expect(ok.status).toBe(200);
  expect(Number(ok.body.metadata.resourceVersion)).toBeGreaterThan(Number(created.metadata.resourceVersion));
  const stale = await api.request('PUT', '/api/v1/namespaces/default/configmaps/two', { ...created, data: { a: '3' } });
  expect(stale.status).toBe(409);
  expect(stale.body.reason).toBe('Conflict');
  expect(stale.body.message).toBe('Operation cannot be fulfilled on configmaps "two": the object has been modified; please apply your changes to the latest version and try again');
  expect((await api.request('GET', '/api/v1/namespaces/default/configmaps/two')).body.data).toEqual({ a: '2' });
});

test('generateName, invalid names and a missing namespace', async () => {
  const g = await api.request('POST', '/api/v1/namespaces/default/configmaps', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { generateName: 'gen-' } });
  expect(g.status).toBe(201);
  expect(g.body.metadata.name).toMatch(/^gen-[bcdfghjklmnpqrstvwxz2456789]{5}$/);
  const bad = await api.request('POST', '/api/v1/namespaces/default/configmaps', cm('Not_Valid'));
  expect(bad.status).toBe(422);
  expect(bad.body.reason).toBe('Invalid');
  const missing = await api.request('POST', '/api/v1/namespaces/nope/configmaps', cm('x'));
  expect(missing.status).toBe(404);
  expect(missing.body.message).toBe('namespaces "nope" not found');
});

test('deployments: generation counts spec changes, status is ignored on the main resource', async () => {
  const d = {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web' },
    spec: { replicas: 1, selector: { matchLabels: { app: 'web' } }, template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'c', image: 'nginx' }] } } },
    status: { replicas: 99 },
  };
  const c = await api.request('POST', '/apis/apps/v1/namespaces/default/deployments', d);
  expect(c.status).toBe(201);
  expect(c.body.metadata.generation).toBe(1);
  expect(c.body.status).toEqual({});
  const u = await api.request('PUT', '/apis/apps/v1/namespaces/default/deployments/web', { ...c.body, spec: { ...c.body.spec, replicas: 3 }, status: { replicas: 5 } });
  expect(u.body.metadata.generation).toBe(2);
  expect(u.body.status).toEqual({});
  const s = await api.request('PUT', '/apis/apps/v1/namespaces/default/deployments/web/status', { ...u.body, spec: { ...u.body.spec, replicas: 7 }, status: { replicas: 3 } });
  expect(s.status).toBe(200);
  expect(s.body.status.replicas).toBe(3);
  expect(s.body.spec.replicas).toBe(3);
  expect(s.body.metadata.generation).toBe(2);
  const scale = await api.request('GET', '/apis/apps/v1/namespaces/default/deployments/web/scale');
  expect(scale.body).toMatchObject({ kind: 'Scale', apiVersion: 'autoscaling/v1', spec: { replicas: 3 }, status: { replicas: 3, selector: 'app=web' } });
  const put = await api.request('PUT', '/apis/apps/v1/namespaces/default/deployments/web/scale', { ...scale.body, spec: { replicas: 10 } });
  expect(put.body.spec.replicas).toBe(10);
  expect((await api.request('GET', '/apis/apps/v1/namespaces/default/deployments/web')).body.spec.replicas).toBe(10);
});

test('list: label and field selectors, limit and continue', async () => {
  await api.request('POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'paging' } });
  for (let i = 0; i < 7; i++) await api.request('POST', '/api/v1/namespaces/paging/configmaps', cm(`p${i}`, {}, { idx: String(i % 2) }));
  const odd = await api.request('GET', '/api/v1/namespaces/paging/configmaps?labelSelector=idx%3D1');
  expect(odd.body.items.map((o: Json) => o.metadata.name)).toEqual(['p1', 'p3', 'p5']);
  const named = await api.request('GET', '/api/v1/namespaces/paging/configmaps?fieldSelector=metadata.name%3Dp4');
  expect(named.body.items.map((o: Json) => o.metadata.name)).toEqual(['p4']);
  const page1 = await api.request('GET', '/api/v1/namespaces/paging/configmaps?limit=3');
  expect(page1.body.items).toHaveLength(3);
  expect(page1.body.metadata.remainingItemCount).toBe(4);
  // A write between pages does not show up: the pages are one consistent snapshot.
  await api.request('POST', '/api/v1/namespaces/paging/configmaps', cm('p00'));
  const page2 = await api.request('GET', `/api/v1/namespaces/paging/configmaps?limit=10&continue=${page1.body.metadata.continue}`);
  expect(page2.body.items.map((o: Json) => o.metadata.name)).toEqual(['p3', 'p4', 'p5', 'p6']);
  expect(page2.body.metadata.continue).toBeUndefined();
  const badSel = await api.request('GET', '/api/v1/namespaces/paging/configmaps?fieldSelector=spec.nodeName%3Dx');
  expect(badSel.status).toBe(400);
});

test('delete: configmap answers a Success Status; a pod with a finalizer is kept with a deletionTimestamp', async () => {
  await api.request('POST', '/api/v1/namespaces/default/configmaps', cm('gone'));
  const d = await api.request('DELETE', '/api/v1/namespaces/default/configmaps/gone');
  expect(d.status).toBe(200);
  expect(d.body).toMatchObject({ kind: 'Status', status: 'Success', details: { name: 'gone', kind: 'configmaps' } });
  expect((await api.request('GET', '/api/v1/namespaces/default/configmaps/gone')).status).toBe(404);
  const fin = await api.request('POST', '/api/v1/namespaces/default/configmaps', { ...cm('fin'), metadata: { name: 'fin', finalizers: ['example.com/keep'] } });
  const del = await api.request('DELETE', '/api/v1/namespaces/default/configmaps/fin');
  expect(del.status).toBe(202);
  const kept = await api.request('GET', '/api/v1/namespaces/default/configmaps/fin');
  expect(kept.body.metadata.deletionTimestamp).toBeDefined();
  const cleared = await api.request('PUT', '/api/v1/namespaces/default/configmaps/fin', { ...kept.body, metadata: { ...kept.body.metadata, finalizers: [] } });
  expect(cleared.status).toBe(200);
  expect((await api.request('GET', '/api/v1/namespaces/default/configmaps/fin')).status).toBe(404);
  expect(fin.status).toBe(201);
});

test('services: ClusterIPs are allocated once, a taken one is refused, deletion frees it', async () => {
  const svc = (name: string, clusterIP?: string) => ({ apiVersion: 'v1', kind: 'Service', metadata: { name }, spec: { ...(clusterIP ? { clusterIP } : {}), selector: { app: name }, ports: [{ port: 80 }] } });
  const a = await api.request('POST', '/api/v1/namespaces/default/services', svc('a', '10.96.5.5'));
  expect(a.status).toBe(201);
  const b = await api.request('POST', '/api/v1/namespaces/default/services', svc('b', '10.96.5.5'));
  expect(b.status).toBe(422);
  expect(b.body.message).toContain('provided IP is already allocated');
  const c = await api.request('POST', '/api/v1/namespaces/default/services', svc('c'));
  expect(c.body.spec.clusterIP).toMatch(/^10\.(9[6-9]|10\d|11[01])\./);
  await api.request('DELETE', '/api/v1/namespaces/default/services/a');
  expect((await api.request('POST', '/api/v1/namespaces/default/services', svc('b', '10.96.5.5'))).status).toBe(201);
});

test('watch: from a resourceVersion, with a label selector turning into DELETED', async () => {
  await api.request('POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'watching' } });
  const start = (await api.request('GET', '/api/v1/namespaces/watching/configmaps')).body.metadata.resourceVersion;
  const ctrl = new AbortController();
  const res = await fetch(`${api.url}/api/v1/namespaces/watching/configmaps?watch=true&labelSelector=team%3Dx&resourceVersion=${start}`, { signal: ctrl.signal });
  const lines: Json[] = [];
  const reader = res.body!.getReader();
  const done = (async () => {
    let buf = '';
    for (;;) {
      const { value, done: end } = await reader.read();
      if (end) return;
      buf += new TextDecoder().decode(value);
      let i;
      while ((i = buf.indexOf('\n')) >= 0) {
        lines.push(JSON.parse(buf.slice(0, i)));
        buf = buf.slice(i + 1);
      }
      if (lines.length >= 3) return;
    }
  })();
  const w = (await api.request('POST', '/api/v1/namespaces/watching/configmaps', cm('w', { v: '1' }, { team: 'x' }))).body;
  await api.request('POST', '/api/v1/namespaces/watching/configmaps', cm('other', { v: '1' }, { team: 'y' }));
  const m = (await api.request('PUT', '/api/v1/namespaces/watching/configmaps/w', { ...w, data: { v: '2' } })).body;
  await api.request('PUT', '/api/v1/namespaces/watching/configmaps/w', { ...m, metadata: { ...m.metadata, labels: { team: 'z' } } });
  await done;
  ctrl.abort();
  expect(lines.map((l) => [l.type, l.object.metadata.name])).toEqual([['ADDED', 'w'], ['MODIFIED', 'w'], ['DELETED', 'w']]);
});

test('a Job gets a selector on its uid and the matching template labels', async () => {
  const job = {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name: 'pi' },
    spec: { template: { spec: { restartPolicy: 'Never', containers: [{ name: 'pi', image: 'perl' }] } } },
  };
  const r = await api.request('POST', '/apis/batch/v1/namespaces/default/jobs', job);
  expect(r.status).toBe(201);
  const uid = r.body.metadata.uid;
  expect(r.body.spec.selector).toEqual({ matchLabels: { 'batch.kubernetes.io/controller-uid': uid } });
  expect(r.body.spec.template.metadata.labels).toMatchObject({ 'batch.kubernetes.io/job-name': 'pi', 'controller-uid': uid });
});

test('namespaces/<name>/status and /finalize are the namespace object\'s subresources', async () => {
  await api.request('POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'fin-ns' } });
  const status = await api.request('GET', '/api/v1/namespaces/fin-ns/status');
  expect(status.status).toBe(200);
  expect(status.body.status.phase).toBe('Active');
  await api.request('DELETE', '/api/v1/namespaces/fin-ns');
  const terminating = (await api.request('GET', '/api/v1/namespaces/fin-ns')).body;
  expect(terminating.status.phase).toBe('Terminating');
  const fin = await api.request('PUT', '/api/v1/namespaces/fin-ns/finalize', { ...terminating, spec: { finalizers: [] } });
  expect(fin.status).toBe(200);
  expect((await api.request('GET', '/api/v1/namespaces/fin-ns')).status).toBe(404);
});
