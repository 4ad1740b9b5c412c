// Time and MicroTime fields in request bodies, decoded as kube-apiserver decodes them: a shape Go's
// time.Parse refuses is a 400 for a create or update and the patch handler's 422 for a patch, and
// nothing is stored; an accepted one is stored re-encoded (UTC; seconds for Time, microseconds for
// MicroTime).
import { goPrint } from './time-fields';
import { startTestApiServer } from '../test-apiserver';
import type { TestApiServer } from '../test-apiserver';

let api: TestApiServer;
const LEASES = '/apis/coordination.k8s.io/v1/namespaces/default/leases';
const EVENTS = '/api/v1/namespaces/default/events';
const PODS = '/api/v1/namespaces/default/pods';
const MICRO = '"2006-01-02T15:04:05.000000Z07:00"';
const RFC3339 = '"2006-01-02T15:04:05Z07:00"';

beforeAll(async () => {
  api = await startTestApiServer();
});

afterAll(async () => {
  await api.stop();
});

const lease = (name: string, spec: object): object => ({ apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name }, spec: { holderIdentity: 'me', ...spec } });

test('a Lease renewTime with milliseconds only is refused with the decoder 400, and not stored', async () => {
  const r = await api.request('POST', LEASES, lease('millis', { renewTime: '2026-01-02T03:04:05.006Z' }));
  expect(r.status).toBe(400);
  expect(r.body).toMatchObject({ kind: 'Status', status: 'Failure', reason: 'BadRequest', code: 400 });
  expect(r.body.message).toBe(`Lease in version "v1" cannot be handled as a Lease: parsing time "2026-01-02T03:04:05.006Z" as ${MICRO}: cannot parse ".006Z" as ".000000"`);
  expect((await api.request('GET', `${LEASES}/millis`)).status).toBe(404);
});

test('a Lease with six fractional digits is stored; an offset is turned to UTC', async () => {
  const r = await api.request('POST', LEASES, lease('micros', { acquireTime: '2026-01-02T03:04:05.006000Z', renewTime: '2026-01-02T03:04:05.123456+01:00' }));
  expect(r.status).toBe(201);
  expect(r.body.spec).toMatchObject({ acquireTime: '2026-01-02T03:04:05.006000Z', renewTime: '2026-01-02T02:04:05.123456Z' });
  const got = await api.request('GET', `${LEASES}/micros`);
  expect(got.body.spec.renewTime).toBe('2026-01-02T02:04:05.123456Z');
  // An update is decoded the same way.
  const bad = await api.request('PUT', `${LEASES}/micros`, { ...got.body, spec: { ...got.body.spec, renewTime: '2026-01-02T03:04:05Z' } });
  expect(bad.status).toBe(400);
  expect(bad.body.message).toBe(`Lease in version "v1" cannot be handled as a Lease: parsing time "2026-01-02T03:04:05Z" as ${MICRO}: cannot parse "Z" as ".000000"`);
});

test('a core/v1 Event eventTime is a MicroTime; firstTimestamp a Time', async () => {
  const event = {
    apiVersion: 'v1',
    kind: 'Event',
    metadata: { name: 'ev' },
    involvedObject: { kind: 'Pod', namespace: 'default', name: 'p' },
    reason: 'Test',
    message: 'm',
  };
  const micro = await api.request('POST', EVENTS, { ...event, eventTime: '2026-01-02T03:04:05.006Z' });
  expect(micro.status).toBe(400);
  expect(micro.body.message).toBe(`Event in version "v1" cannot be handled as a Event: parsing time "2026-01-02T03:04:05.006Z" as ${MICRO}: cannot parse ".006Z" as ".000000"`);
  const ok = await api.request('POST', EVENTS, { ...event, firstTimestamp: '2026-01-02T03:04:05.006Z', lastTimestamp: '2026-01-02T03:04:06Z' });
  expect(ok.status).toBe(201);
  expect(ok.body).toMatchObject({ firstTimestamp: '2026-01-02T03:04:05Z', lastTimestamp: '2026-01-02T03:04:06Z' });
});

test('a metadata Time that is not RFC 3339, or not a string, fails the decode', async () => {
  const cm = (creationTimestamp: unknown): object => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c', creationTimestamp } });
  const word = await api.request('POST', '/api/v1/namespaces/default/configmaps', cm('yesterday'));
  expect(word.status).toBe(400);
  expect(word.body.message).toBe(`ConfigMap in version "v1" cannot be handled as a ConfigMap: parsing time "yesterday" as ${RFC3339}: cannot parse "yesterday" as "2006"`);
  const empty = await api.request('POST', '/api/v1/namespaces/default/configmaps', cm(''));
  expect(empty.body.message).toBe(`ConfigMap in version "v1" cannot be handled as a ConfigMap: parsing time "" as ${RFC3339}: cannot parse "" as "2006"`);
  const num = await api.request('POST', '/api/v1/namespaces/default/configmaps', cm(5));
  expect(num.status).toBe(400);
  expect(num.body.message).toBe('ConfigMap in version "v1" cannot be handled as a ConfigMap: json: cannot unmarshal number into Go struct field ObjectMeta.metadata.creationTimestamp of type string');
  // null is the zero time; the registry then stamps the creation time.
  const nul = await api.request('POST', '/api/v1/namespaces/default/configmaps', cm(null));
  expect(nul.status).toBe(201);
  expect(nul.body.metadata.creationTimestamp).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
});

test('a timestamp fails the decode before unknown fields are looked at (fieldValidation=Strict)', async () => {
  const r = await api.request('POST', `${LEASES}?fieldValidation=Strict`, { ...lease('strict', { renewTime: '2026-01-02T03:04:05.006Z' }), bogus: 1 });
  expect(r.status).toBe(400);
  expect(r.body.message).toContain('cannot parse ".006Z" as ".000000"');
});

describe('patches decode the patched object', () => {
  beforeAll(async () => {
    await api.request('POST', '/api/v1/namespaces/default/serviceaccounts', { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'default' } });
    const pod = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'timed' }, spec: { containers: [{ name: 'c', image: 'i' }] } };
    expect((await api.request('POST', PODS, pod)).status).toBe(201);
  });

  test('a condition lastTransitionTime with a fraction and an offset is stored in UTC seconds', async () => {
    const patch = { status: { conditions: [{ type: 'Ready', status: 'False', lastTransitionTime: '2026-01-02T03:04:05.999+01:00' }] } };
    const r = await api.request('PATCH', `${PODS}/timed/status`, patch, { 'Content-Type': 'application/merge-patch+json' });
    expect(r.status).toBe(200);
    expect(r.body.status.conditions[0].lastTransitionTime).toBe('2026-01-02T02:04:05Z');
  });

  test('a merge patch that leaves a bad Time is the 422 quoting the patched object', async () => {
    const patch = { status: { conditions: [{ type: 'Ready', status: 'False', lastTransitionTime: 'soon' }] } };
    const r = await api.request('PATCH', `${PODS}/timed/status`, patch, { 'Content-Type': 'application/merge-patch+json' });
    expect(r.status).toBe(422);
    expect(r.body).toMatchObject({ reason: 'Invalid', details: { causes: [{ reason: 'FieldValueInvalid', field: 'patch' }] } });
    expect(r.body.message).toMatch(/^ "" is invalid: patch: Invalid value: "\{.*\\"lastTransitionTime\\":\\"soon\\".*\}": parsing time "soon" as "2006-01-02T15:04:05Z07:00": cannot parse "soon" as "2006"$/);
    const got = await api.request('GET', `${PODS}/timed`);
    expect(got.body.status.conditions[0].lastTransitionTime).toBe('2026-01-02T02:04:05Z');
  });

  test('a strategic merge patch quotes the patch as Go prints a map, and the bare UnmarshalJSON error', async () => {
    const patch = { status: { conditions: [{ type: 'Ready', lastTransitionTime: 7 }] } };
    const r = await api.request('PATCH', `${PODS}/timed/status`, patch, { 'Content-Type': 'application/strategic-merge-patch+json' });
    expect(r.status).toBe(422);
    expect(r.body.message).toBe(' "" is invalid: patch: Invalid value: "map[status:map[conditions:[map[lastTransitionTime:7 type:Ready]]]]": json: cannot unmarshal number into Go value of type string');
  });
});

test("goPrint is Go's %+v of decoded JSON", () => {
  expect(goPrint({ b: [1, 'x', null, true], a: { z: 1.5, y: 1e-7, x: 1234567.5 } })).toBe('map[a:map[x:1.2345675e+06 y:1e-07 z:1.5] b:[1 x <nil> true]]');
  expect(goPrint({})).toBe('map[]');
});
