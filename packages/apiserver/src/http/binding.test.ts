// pods/binding, the scheduler's write: assigns the node once and marks the pod scheduled, with a
// pod watch open (so that the binding starts from the watch cache's copy, as under load).
import { startTestApiServer } from '../test-apiserver';
import type { Json, TestApiServer } from '../test-apiserver';

let api: TestApiServer;
let watch: AbortController;
const PODS = '/api/v1/namespaces/default/pods';

beforeAll(async () => {
  api = await startTestApiServer();
  await api.request('POST', '/api/v1/namespaces/default/serviceaccounts', { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'default' } });
  watch = new AbortController();
  const res = await fetch(`${api.url}${PODS}?watch=true`, { signal: watch.signal });
  void res.body?.cancel().catch(() => undefined);
});

afterAll(async () => {
  watch.abort();
  await api.stop();
});

const pod = (name: string) => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name }, spec: { containers: [{ name: 'c', image: 'busybox' }] } });
const binding = (name: string, node: string) => ({ apiVersion: 'v1', kind: 'Binding', metadata: { name }, target: { apiVersion: 'v1', kind: 'Node', name: node } });

test('a binding assigns the node and sets PodScheduled; a second one is a Conflict naming the node', async () => {
  const created = (await api.request('POST', PODS, pod('web'))).body;
  const r = await api.request('POST', `${PODS}/web/binding`, binding('web', 'node-1'));
  expect(r.status).toBe(201);
  expect(r.body).toMatchObject({ kind: 'Status', status: 'Success' });
  const bound: Json = (await api.request('GET', `${PODS}/web`)).body;
  expect(bound.spec.nodeName).toBe('node-1');
  expect(bound.status.conditions.find((c: Json) => c.type === 'PodScheduled')).toMatchObject({ status: 'True' });
  expect(Number(bound.metadata.resourceVersion)).toBeGreaterThan(Number(created.metadata.resourceVersion));
  // The containers are as created: the binding changed nothing else of the spec.
  expect(bound.spec.containers[0].image).toBe('busybox');
  const again = await api.request('POST', `${PODS}/web/binding`, binding('web', 'node-2'));
  expect(again.status).toBe(409);
  expect(again.body.message).toBe('Operation cannot be fulfilled on pods/binding "web": pod web is already assigned to node "node-1"');
  expect((await api.request('GET', `${PODS}/web`)).body.spec.nodeName).toBe('node-1');
});

test('binding a pod that does not exist is NotFound', async () => {
  const r = await api.request('POST', `${PODS}/nope/binding`, binding('nope', 'node-1'));
  expect(r.status).toBe(404);
});
