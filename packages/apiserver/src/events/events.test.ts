// core/v1 Events served from a real nats-server's JetStream by a real apiserver: what a client of
// the Kubernetes API observes (create, list with selectors and pages, get, update, patch, delete,
// watch), and what a plain NATS subscriber receives.
import { connect } from 'nats';
import type { NatsConnection, Subscription } from 'nats';
import { ManualClock, silentLogger } from '@kubemu/base';
import type { WatchSink } from '../http/watch';
import { makePredicate } from '../registry/predicate';
import type { Predicate } from '../registry/predicate';
import type { Json, TestApiServer } from '../test-apiserver';
import { EventBucket } from './event-bucket';
import { EVENTS } from './event-registry';
import { watchEvents } from './event-watch';
import { NatsLink } from './nats-link';
import { event, eventually, openWatch, startBusApiServer } from './test-event-bus';
import type { Replica } from './test-event-bus';
import { startTestNats } from './test-nats';
import type { TestNats } from './test-nats';

let nats: TestNats;
let api: TestApiServer;
let replica: Replica;
let nc: NatsConnection;

beforeAll(async () => {
  nats = await startTestNats();
  ({ api, replica } = await startBusApiServer({ natsUrl: nats.url, cluster: 'test' }));
  nc = await connect({ servers: nats.url });
  await eventually('the bus to connect', () => replica.bus.connected());
});

afterAll(async () => {
  await nc?.close();
  await replica?.stop();
  await nats?.destroy();
});

const EV = '/api/v1/namespaces/default/events';
const req = (m: string, p: string, b?: unknown, h?: Record<string, string>) => replica.request(m, p, b, h);

/** JetStream's sequence of the last message in the bucket, read with a plain client. */
async function lastSeq(): Promise<number> {
  const jsm = await nc.jetstreamManager();
  return (await jsm.streams.info('KV_kubemu-events-test')).state.last_seq;
}

test('create stores the Event in JetStream, not in the Raft store; resourceVersion is the stream sequence', async () => {
  const r = await req('POST', EV, event('web.1'));
  expect(r.status).toBe(201);
  expect(r.body.metadata.uid).toMatch(/^[0-9a-f-]{36}$/);
  expect(r.body.metadata.creationTimestamp).toMatch(/^20\d\d-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
  expect(Date.parse(r.body.metadata.creationTimestamp)).toBeGreaterThan(Date.now() - 60_000);
  expect(r.body.metadata.resourceVersion).toBe(String(await lastSeq()));
  // The store has no such key: the generic registry never saw it.
  expect(await api.server.store.get('/registry/events/default/web.1')).toBeUndefined();
  const kv = await (await nc.jetstream().views.kv('kubemu-events-test')).get('default.web.1');
  expect(JSON.parse(kv!.string()).metadata.uid).toBe(r.body.metadata.uid);

  const again = await req('POST', EV, event('web.1'));
  expect(again.status).toBe(409);
  expect(again.body).toMatchObject({ reason: 'AlreadyExists', message: 'events "web.1" already exists', details: { name: 'web.1', kind: 'events' } });
});

test('generateName, a missing namespace, and validation as kube-apiserver answers them', async () => {
  const gen = await req('POST', EV, { ...event(''), metadata: { generateName: 'web-' } });
  expect(gen.status).toBe(201);
  expect(gen.body.metadata.name).toMatch(/^web-[a-z0-9]{5}$/);

  const noNs = await req('POST', '/api/v1/namespaces/nowhere/events', event('x.1', { involvedObject: { namespace: 'nowhere' } }));
  expect(noNs.status).toBe(404);
  expect(noNs.body.message).toBe('namespaces "nowhere" not found');

  const mismatch = await req('POST', EV, event('x.2', { involvedObject: { namespace: 'kube-system' } }));
  expect(mismatch.status).toBe(422);
  expect(mismatch.body.message).toBe('Event "x.2" is invalid: involvedObject.namespace: Invalid value: "kube-system": does not match event.namespace');

  const newStyle = await req('POST', EV, { ...event('x.3'), eventTime: '2026-01-01T00:00:00.000000Z' });
  expect(newStyle.status).toBe(422);
  expect(newStyle.body.details.causes.map((c: Json) => c.field)).toEqual(expect.arrayContaining(['reportingComponent', 'reportingInstance', 'action']));
});

test('list: namespace, field selectors kube supports for events, label selectors, pages', async () => {
  await req('POST', '/api/v1/namespaces', { metadata: { name: 'shop' } });
  const shop = (name: string, over: Json) => req('POST', '/api/v1/namespaces/shop/events', event(name, { ...over, involvedObject: { namespace: 'shop', ...(over.involvedObject ?? {}) } }));
  expect((await shop('cart.1', { involvedObject: { name: 'cart' }, reason: 'Pulled' })).status).toBe(201);
  expect((await shop('cart.2', { involvedObject: { name: 'cart' }, reason: 'BackOff', type: 'Warning', metadata: { labels: { tier: 'front' } } })).status).toBe(201);
  expect((await shop('db.1', { involvedObject: { name: 'db', uid: 'u-db' }, reason: 'Pulled' })).status).toBe(201);

  const names = (r: { body: Json }) => r.body.items.map((i: Json) => i.metadata.name);
  const all = await req('GET', '/api/v1/namespaces/shop/events');
  expect(all.body).toMatchObject({ kind: 'EventList', apiVersion: 'v1' });
  expect(names(all)).toEqual(['cart.1', 'cart.2', 'db.1']);
  expect(Number(all.body.metadata.resourceVersion)).toBeGreaterThanOrEqual(Number((await req('GET', '/api/v1/namespaces/shop/events/db.1')).body.metadata.resourceVersion));
  expect(names(await req('GET', '/api/v1/namespaces/shop/events?fieldSelector=involvedObject.name%3Dcart'))).toEqual(['cart.1', 'cart.2']);
  expect(names(await req('GET', '/api/v1/namespaces/shop/events?fieldSelector=type%3DWarning'))).toEqual(['cart.2']);
  expect(names(await req('GET', '/api/v1/namespaces/shop/events?fieldSelector=reason%3DPulled,involvedObject.uid%3Du-db'))).toEqual(['db.1']);
  expect(names(await req('GET', '/api/v1/namespaces/shop/events?fieldSelector=reason!%3DPulled'))).toEqual(['cart.2']);
  expect(names(await req('GET', '/api/v1/namespaces/shop/events?labelSelector=tier%3Dfront'))).toEqual(['cart.2']);
  const bad = await req('GET', '/api/v1/namespaces/shop/events?fieldSelector=spec.nodeName%3Dx');
  expect(bad.status).toBe(400);
  expect(bad.body.message).toBe('field label not supported: spec.nodeName');

  const p1 = await req('GET', '/api/v1/namespaces/shop/events?limit=2');
  expect(names(p1)).toEqual(['cart.1', 'cart.2']);
  expect(p1.body.metadata.remainingItemCount).toBe(1);
  const p2 = await req('GET', `/api/v1/namespaces/shop/events?limit=2&continue=${encodeURIComponent(p1.body.metadata.continue)}`);
  expect(names(p2)).toEqual(['db.1']);
  expect(p2.body.metadata.continue).toBeUndefined();
  expect(p2.body.metadata.resourceVersion).toBe(p1.body.metadata.resourceVersion);

  const everywhere = await req('GET', '/api/v1/events');
  const keys = everywhere.body.items.map((i: Json) => `${i.metadata.namespace}/${i.metadata.name}`);
  expect(keys).toEqual(expect.arrayContaining(['default/web.1', 'shop/cart.1', 'shop/db.1']));
  expect([...keys].sort()).toEqual(keys);
});

test('Table output for kubectl get events', async () => {
  const t = await req('GET', '/api/v1/namespaces/shop/events', undefined, { Accept: 'application/json;as=Table;v=v1;g=meta.k8s.io' });
  expect(t.body.kind).toBe('Table');
  expect(t.body.columnDefinitions.map((c: Json) => c.name)).toEqual(expect.arrayContaining(['Last Seen', 'Type', 'Reason', 'Object', 'Message']));
  expect(t.body.rows).toHaveLength(3);
  expect(t.body.rows[0].cells).toEqual(expect.arrayContaining(['pod/cart', 'Pulled']));
});

test('update is a compare-and-swap on resourceVersion; patches (strategic, merge, json) apply to the latest', async () => {
  const created = (await req('POST', EV, event('web.2'))).body;
  const put = await req('PUT', `${EV}/web.2`, { ...created, message: 'changed' });
  expect(put.status).toBe(200);
  expect(put.body.message).toBe('changed');
  expect(Number(put.body.metadata.resourceVersion)).toBeGreaterThan(Number(created.metadata.resourceVersion));
  expect(put.body.metadata.uid).toBe(created.metadata.uid);
  const stale = await req('PUT', `${EV}/web.2`, { ...created, message: 'late' });
  expect(stale.status).toBe(409);
  expect(stale.body.message).toBe('Operation cannot be fulfilled on events "web.2": the object has been modified; please apply your changes to the latest version and try again');

  // What the event recorder sends for a repeated event.
  const smp = await req('PATCH', `${EV}/web.2`, { count: 2, lastTimestamp: '2026-01-01T00:00:05Z', message: 'again' }, { 'Content-Type': 'application/strategic-merge-patch+json' });
  expect(smp.status).toBe(200);
  expect(smp.body).toMatchObject({ count: 2, lastTimestamp: '2026-01-01T00:00:05Z', message: 'again', reason: 'Scheduled' });
  const merge = await req('PATCH', `${EV}/web.2`, { metadata: { labels: { seen: 'yes' } } }, { 'Content-Type': 'application/merge-patch+json' });
  expect(merge.body.metadata.labels).toEqual({ seen: 'yes' });
  const json = await req('PATCH', `${EV}/web.2`, [{ op: 'replace', path: '/count', value: 3 }], { 'Content-Type': 'application/json-patch+json' });
  expect(json.body.count).toBe(3);
  const stalePatch = await req('PATCH', `${EV}/web.2`, { metadata: { resourceVersion: created.metadata.resourceVersion }, count: 9 }, { 'Content-Type': 'application/merge-patch+json' });
  expect(stalePatch.status).toBe(409);
  const missing = await req('PATCH', `${EV}/nope`, { count: 2 }, { 'Content-Type': 'application/merge-patch+json' });
  expect(missing.status).toBe(404);
  expect(missing.body.message).toBe('events "nope" not found');
  expect((await req('GET', `${EV}/web.2`)).body.count).toBe(3);

  // PUT of a missing Event creates it (the Event strategy allows create on update).
  const upsert = await req('PUT', `${EV}/web.3`, event('web.3'));
  expect(upsert.status).toBe(201);
});

test('delete, then create again; deletecollection with a selector', async () => {
  await req('POST', EV, event('gone.1'));
  const del = await req('DELETE', `${EV}/gone.1`);
  expect(del.status).toBe(200);
  expect(del.body).toMatchObject({ kind: 'Status', status: 'Success', details: { name: 'gone.1', kind: 'events' } });
  expect((await req('GET', `${EV}/gone.1`)).status).toBe(404);
  expect((await req('DELETE', `${EV}/gone.1`)).status).toBe(404);
  const again = await req('POST', EV, event('gone.1'));
  expect(again.status).toBe(201);

  await req('POST', EV, event('bulk.1', { metadata: { labels: { batch: 'b' } } }));
  await req('POST', EV, event('bulk.2', { metadata: { labels: { batch: 'b' } } }));
  const dc = await req('DELETE', `${EV}?labelSelector=batch%3Db`);
  expect(dc.status).toBe(200);
  expect(dc.body.items.map((i: Json) => i.metadata.name).sort()).toEqual(['bulk.1', 'bulk.2']);
  expect((await req('GET', `${EV}?labelSelector=batch%3Db`)).body.items).toEqual([]);
  expect((await req('GET', `${EV}/gone.1`)).status).toBe(200);
});

test('watch: current state as ADDED, then changes; from a resourceVersion; selector transitions; bookmarks', async () => {
  await req('POST', '/api/v1/namespaces', { metadata: { name: 'wt' } });
  const wt = '/api/v1/namespaces/wt/events';
  const mk = (name: string, over: Json = {}) => event(name, { ...over, involvedObject: { namespace: 'wt', ...(over.involvedObject ?? {}) } });
  await req('POST', wt, mk('a.1'));
  const w = await openWatch(replica.url, `${wt}?watch=1`);
  expect(w.status).toBe(200);
  expect(await w.next()).toMatchObject({ type: 'ADDED', object: { metadata: { name: 'a.1' } } });
  const b = (await req('POST', wt, mk('b.1'))).body;
  expect(await w.next()).toMatchObject({ type: 'ADDED', object: { metadata: { name: 'b.1', resourceVersion: b.metadata.resourceVersion } } });
  await req('PATCH', `${wt}/b.1`, { count: 2 }, { 'Content-Type': 'application/merge-patch+json' });
  expect(await w.next()).toMatchObject({ type: 'MODIFIED', object: { count: 2 } });
  await req('DELETE', `${wt}/b.1`);
  const deleted = await w.next();
  expect(deleted).toMatchObject({ type: 'DELETED', object: { metadata: { name: 'b.1' }, count: 2 } });
  expect(Number(deleted.object.metadata.resourceVersion)).toBeGreaterThan(Number(b.metadata.resourceVersion));
  w.close();

  // From the resourceVersion of a list: only what came after, selectors applied to transitions.
  const list = await req('GET', `${wt}?fieldSelector=type%3DWarning`);
  const sel = await openWatch(replica.url, `${wt}?watch=1&fieldSelector=type%3DWarning&resourceVersion=${list.body.metadata.resourceVersion}&allowWatchBookmarks=true`);
  await req('POST', wt, mk('c.1', { type: 'Normal' }));
  await req('POST', wt, mk('d.1', { type: 'Warning' }));
  expect(await sel.next()).toMatchObject({ type: 'ADDED', object: { metadata: { name: 'd.1' } } });
  await req('PATCH', `${wt}/c.1`, { type: 'Warning' }, { 'Content-Type': 'application/merge-patch+json' });
  expect(await sel.next()).toMatchObject({ type: 'ADDED', object: { metadata: { name: 'c.1' }, type: 'Warning' } });
  await req('PATCH', `${wt}/d.1`, { type: 'Normal' }, { 'Content-Type': 'application/merge-patch+json' });
  expect(await sel.next()).toMatchObject({ type: 'DELETED', object: { metadata: { name: 'd.1' }, type: 'Normal' } });
  sel.close();

  // A watch on one Event by name, rendered as Table rows for kubectl get -w.
  const one = await openWatch(replica.url, `${wt}/a.1?watch=1`, { Accept: 'application/json;as=Table;v=v1;g=meta.k8s.io' });
  const row = await one.next();
  expect(row.type).toBe('ADDED');
  expect(row.object.kind).toBe('Table');
  expect(row.object.rows[0].object.metadata.name).toBe('a.1');
  one.close();
});

test('bookmarks carry the newest resourceVersion the watch has seen; the timeout ends the watch', async () => {
  const link = new NatsLink({ url: nats.url, log: silentLogger() });
  const bucket = new EventBucket(link, { cluster: 'test', ttlMs: 3_600_000, log: silentLogger() });
  await eventually('a second connection', () => link.isUp());
  const clock = new ManualClock();
  const sent: { type: string; object: Json }[] = [];
  let closed = false;
  const sink: WatchSink = { send: (type, object) => sent.push({ type, object }), close: () => (closed = true), onClose: () => undefined };
  const pred = makePredicate(EVENTS, 'default', undefined, undefined) as Predicate;
  const rv = (await req('GET', EV)).body.metadata.resourceVersion;
  const failed = await watchEvents({ bucket, link, clock }, { pred, resourceVersion: rv, timeoutSeconds: 5, allowBookmarks: true, bookmarkIntervalMs: 1000, render: (o) => o }, () => sink);
  expect(failed).toBeUndefined();
  const created = (await req('POST', EV, event('bm.1'))).body;
  await eventually('the ADDED event', () => sent.length === 1);
  clock.advance(1000);
  expect(sent[1]).toEqual({ type: 'BOOKMARK', object: { kind: 'Event', apiVersion: 'v1', metadata: { resourceVersion: created.metadata.resourceVersion } } });
  expect(closed).toBe(false);
  clock.advance(4000);
  expect(closed).toBe(true);
  await link.close();
});

test('every committed change is published on kubemu.<cluster>.<resource>.<namespace>', async () => {
  const got: { subject: string; data: Json }[] = [];
  const sub: Subscription = nc.subscribe('kubemu.test.>', {
    callback: (_err, m) => got.push({ subject: m.subject, data: JSON.parse(m.string()) }),
  });
  await nc.flush();
  await req('POST', '/api/v1/namespaces/default/configmaps', { metadata: { name: 'pub' }, data: { a: '1' } });
  await req('POST', '/api/v1/namespaces', { metadata: { name: 'pubns' } });
  await req('POST', EV, event('pub.1'));
  await req('DELETE', '/api/v1/namespaces/default/configmaps/pub');
  await eventually('four changes', () => got.length >= 4);
  sub.unsubscribe();
  expect(got.map((g) => `${g.subject} ${g.data.type} ${g.data.object.metadata.name}`)).toEqual([
    'kubemu.test.configmaps.default ADDED pub',
    'kubemu.test.namespaces._ ADDED pubns',
    'kubemu.test.events.default ADDED pub.1',
    'kubemu.test.configmaps.default DELETED pub',
  ]);
  expect(got[0]!.data.object).toMatchObject({ kind: 'ConfigMap', apiVersion: 'v1', data: { a: '1' } });
  expect(got[2]!.data.object.metadata.resourceVersion).toBe((await req('GET', `${EV}/pub.1`)).body.metadata.resourceVersion);
});
