// Bad input gets the Status kube-apiserver gives, nothing is stored, and the server stays up.
import WebSocket from 'ws';
import { startTestApiServer } from './test-apiserver';
import type { Json, TestApiServer } from './test-apiserver';

let api: TestApiServer;
const CMS = '/api/v1/namespaces/default/configmaps';

beforeAll(async () => {
  api = await startTestApiServer();
});

afterAll(async () => {
  await api.stop();
});

async function count(path = CMS): Promise<number> {
  return ((await api.request('GET', path)).body.items as Json[]).length;
}

async function stillServing(): Promise<void> {
  const v = await api.request('GET', '/version');
  expect(v.body.minor).toBe('32');
}

test('malformed JSON and YAML are 400 BadRequest and store nothing', async () => {
  const before = await count();
  const json = await api.request('POST', CMS, '{"apiVersion": "v1", "kind": "ConfigMap", "metadata": {');
  expect(json.status).toBe(400);
  expect(json.body).toMatchObject({ kind: 'Status', status: 'Failure', reason: 'BadRequest', code: 400 });
  const yaml = await api.request('POST', CMS, 'apiVersion: v1\nkind: ConfigMap\nmetadata: [unclosed\n', { 'Content-Type': 'application/yaml' });
  expect(yaml.status).toBe(400);
  expect(yaml.body.message).toMatch(/^error converting YAML to JSON/);
  expect(await count()).toBe(before);
  await stillServing();
});

test('a YAML body is accepted like JSON', async () => {
  const r = await api.request('POST', CMS, 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: from-yaml\ndata:\n  k: v\n', { 'Content-Type': 'application/yaml' });
  expect(r.status).toBe(201);
  expect(r.body.data).toEqual({ k: 'v' });
});

test('a wrong kind or apiVersion is refused', async () => {
  const kind = await api.request('POST', CMS, { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'x' } });
  expect(kind.status).toBe(400);
  expect(kind.body.message).toContain('cannot be handled as a ConfigMap');
  const version = await api.request('POST', '/apis/apps/v1/namespaces/default/deployments', { apiVersion: 'apps/v1beta1', kind: 'Deployment', metadata: { name: 'x' } });
  expect(version.status).toBe(400);
  expect(version.body.message).toBe('the API version in the data (apps/v1beta1) does not match the expected API version (apps/v1)');
});

test('invalid names are 422 Invalid with the field error', async () => {
  const r = await api.request('POST', CMS, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'Bad_Name' } });
  expect(r.status).toBe(422);
  expect(r.body.reason).toBe('Invalid');
  expect(r.body.details.causes[0]).toMatchObject({ reason: 'FieldValueInvalid', field: 'metadata.name' });
  expect(r.body.message).toMatch(/^ConfigMap "Bad_Name" is invalid: metadata.name: Invalid value: "Bad_Name": a lowercase RFC 1123 subdomain/);
});

test('bodies over 3 MiB are 413 and store nothing', async () => {
  const before = await count();
  const big = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'huge' }, data: { k: 'x'.repeat(3 * 1024 * 1024 + 10) } };
  const r = await api.request('POST', CMS, big);
  expect(r.status).toBe(413);
  expect(r.body.reason).toBe('RequestEntityTooLarge');
  expect(await count()).toBe(before);
  await stillServing();
});

test('unknown fields: Strict refuses, Warn warns and drops them', async () => {
  const body = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'strict' }, datax: { k: 'v' } };
  const strict = await api.request('POST', `${CMS}?fieldValidation=Strict`, body);
  expect(strict.status).toBe(400);
  expect(strict.body.message).toBe('ConfigMap in version "v1" cannot be handled as a ConfigMap: strict decoding error: unknown field "datax"');
  expect((await api.request('GET', `${CMS}/strict`)).status).toBe(404);
  const warn = await api.request('POST', `${CMS}?fieldValidation=Warn`, body);
  expect(warn.status).toBe(201);
  expect(warn.headers.get('warning')).toBe('299 - "unknown field \\"datax\\""');
  expect(warn.body.datax).toBeUndefined();
});

test('unsupported media types are 415', async () => {
  const r = await api.request('POST', CMS, 'x', { 'Content-Type': 'text/plain' });
  expect(r.status).toBe(415);
  expect(r.body.reason).toBe('UnsupportedMediaType');
  await api.request('POST', CMS, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'patchme' } });
  const p = await api.request('PATCH', `${CMS}/patchme`, '{}', { 'Content-Type': 'application/x-whatever' });
  expect(p.status).toBe(415);
});

test('delete preconditions that do not hold are 409 and keep the object', async () => {
  await api.request('POST', CMS, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'pre' } });
  const r = await api.request('DELETE', `${CMS}/pre`, { preconditions: { uid: 'not-the-uid' } });
  expect(r.status).toBe(409);
  expect(r.body.message).toContain('Precondition failed: UID in precondition: not-the-uid');
  expect((await api.request('GET', `${CMS}/pre`)).status).toBe(200);
});

test('unknown resources are 404 and unsupported verbs 405', async () => {
  const r = await api.request('GET', '/api/v1/namespaces/default/widgets');
  expect(r.status).toBe(404);
  expect(r.body.message).toBe('the server could not find the requested resource');
  const v = await api.request('GET', '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews');
  expect(v.status).toBe(405);
});

test('a watch from a compacted resourceVersion ends with a 410 Expired ERROR event', async () => {
  const secrets = '/api/v1/namespaces/default/secrets';
  const first = (await api.request('POST', secrets, { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'old' } })).body;
  for (let i = 0; i < 3; i++) await api.request('PUT', `${secrets}/old`, { ...first, metadata: { name: 'old' }, stringData: { i: String(i) } });
  const rev = Number((await api.request('GET', secrets)).body.metadata.resourceVersion);
  await api.server.store.client.compact(rev);
  const res = await fetch(`${api.url}${secrets}?watch=true&resourceVersion=${first.metadata.resourceVersion}`);
  const text = await res.text();
  const events = text.trim().split('\n').map((l) => JSON.parse(l) as Json);
  expect(events).toHaveLength(1);
  expect(events[0].type).toBe('ERROR');
  expect(events[0].object).toMatchObject({ kind: 'Status', code: 410, reason: 'Expired' });
  const page = await api.request('GET', `${secrets}?limit=1`);
  expect(page.status).toBe(200);
});

test('watch over a websocket delivers the same events', async () => {
  const rv = (await api.request('GET', CMS)).body.metadata.resourceVersion as string;
  const ws = new WebSocket(`${api.url.replace('http', 'ws')}${CMS}?watch=true&resourceVersion=${rv}`);
  const got: Json[] = [];
  const done = new Promise<void>((resolve, reject) => {
    ws.on('message', (m: Buffer) => {
      got.push(JSON.parse(m.toString('utf8')));
      if (got.length === 2) resolve();
    });
    ws.on('error', reject);
  });
  await new Promise((r) => ws.once('open', r));
  const c = (await api.request('POST', CMS, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'ws' } })).body;
  await api.request('DELETE', `${CMS}/ws`);
  await done;
  ws.close();
  expect(got.map((e) => [e.type, e.object.metadata.name])).toEqual([['ADDED', 'ws'], ['DELETED', 'ws']]);
  expect(got[0].object.metadata.uid).toBe(c.metadata.uid);
});
