// The bus over time and failures, against a real nats-server: Events expire after --event-ttl,
// apiserver replicas share one bucket, and a NATS outage is a 503 for Events only, healed on reconnect.
import { connect } from 'nats';
import type { Json, TestApiServer } from '../test-apiserver';
import { event, eventually, openWatch, startBusApiServer, startReplica } from './test-event-bus';
import type { Replica } from './test-event-bus';
import { startTestNats } from './test-nats';
import type { TestNats } from './test-nats';

let nats: TestNats;
const stops: (() => Promise<void>)[] = [];

beforeAll(async () => {
  nats = await startTestNats();
});

afterAll(async () => {
  for (const stop of stops.reverse()) await stop();
  await nats?.destroy();
});

async function firstReplica(cluster: string, eventTtlMs?: number): Promise<{ api: TestApiServer; replica: Replica }> {
  const started = await startBusApiServer({ natsUrl: nats.url, cluster, ...(eventTtlMs === undefined ? {} : { eventTtlMs }) });
  stops.push(() => started.replica.stop());
  await eventually('the bus to connect', () => started.replica.bus.connected());
  return started;
}

const EV = '/api/v1/namespaces/default/events';

test('an Event expires --event-ttl after its last write; a watch from before then is 410 Expired', async () => {
  const { replica } = await firstReplica('ttl', 2000);
  const nc = await connect({ servers: nats.url });
  const info = await (await nc.jetstreamManager()).streams.info('KV_kubemu-events-ttl');
  expect(info.config.max_age).toBe(2000 * 1e6);
  await nc.close();

  const created = (await replica.request('POST', EV, event('short.1'))).body;
  const before = created.metadata.resourceVersion;
  expect((await replica.request('GET', `${EV}/short.1`)).status).toBe(200);
  // An update renews the Event's life.
  await new Promise((r) => setTimeout(r, 1200));
  await replica.request('PATCH', `${EV}/short.1`, { count: 2 }, { 'Content-Type': 'application/merge-patch+json' });
  await new Promise((r) => setTimeout(r, 1200));
  expect((await replica.request('GET', `${EV}/short.1`)).body.count).toBe(2);

  await eventually('the Event to expire', async () => (await replica.request('GET', `${EV}/short.1`)).status === 404, 8000);
  expect((await replica.request('GET', EV)).body.items).toEqual([]);
  const w = await openWatch(replica.url, `${EV}?watch=1&resourceVersion=${before}`);
  expect(w.status).toBe(200);
  const err = await w.next();
  expect(err).toMatchObject({ type: 'ERROR', object: { kind: 'Status', code: 410, reason: 'Expired' } });
  expect(err.object.message).toMatch(/^too old resource version: \d+ \(\d+\)$/);
  w.close();
  // The name is free again.
  expect((await replica.request('POST', EV, event('short.1'))).status).toBe(201);
});

test('two apiserver replicas share the bucket: writes through one are read, watched and CAS-checked through the other', async () => {
  const { api, replica: a } = await firstReplica('shared');
  const b = await startReplica(api, { natsUrl: nats.url, cluster: 'shared' });
  stops.push(() => b.stop());
  await eventually('the second bus to connect', () => b.bus.connected());

  const w = await openWatch(b.url, `${EV}?watch=1`);
  const created = (await a.request('POST', EV, event('both.1'))).body;
  expect(await w.next()).toMatchObject({ type: 'ADDED', object: { metadata: { name: 'both.1', uid: created.metadata.uid } } });
  expect((await b.request('GET', `${EV}/both.1`)).body.metadata.resourceVersion).toBe(created.metadata.resourceVersion);
  expect((await b.request('POST', EV, event('both.1'))).status).toBe(409);

  const viaB = await b.request('PUT', `${EV}/both.1`, { ...created, message: 'from b' });
  expect(viaB.status).toBe(200);
  const staleViaA = await a.request('PUT', `${EV}/both.1`, { ...created, message: 'from a' });
  expect(staleViaA.status).toBe(409);
  expect(await w.next()).toMatchObject({ type: 'MODIFIED', object: { message: 'from b' } });

  // Concurrent patches through both replicas: every increment lands (retried on a lost race).
  const patched = await Promise.all(
    Array.from({ length: 10 }, (_, i) =>
      (i % 2 === 0 ? a : b).request('PATCH', `${EV}/both.1`, { metadata: { annotations: { [`p${i}`]: 'x' } } }, { 'Content-Type': 'application/merge-patch+json' }),
    ),
  );
  expect(patched.map((r) => r.status)).toEqual(Array.from({ length: 10 }, () => 200));
  const final = (await a.request('GET', `${EV}/both.1`)).body;
  expect(Object.keys(final.metadata.annotations as Json).sort()).toEqual(Array.from({ length: 10 }, (_, i) => `p${i}`).sort());
  w.close();
});

test('NATS down: Events answer 503 ServiceUnavailable, other resources work; after NATS returns, Events do too', async () => {
  const { replica } = await firstReplica('outage');
  expect((await replica.request('POST', EV, event('kept.1'))).status).toBe(201);
  const w = await openWatch(replica.url, `${EV}?watch=1`);
  expect(await w.next()).toMatchObject({ type: 'ADDED' });

  await nats.stop();
  await eventually('the bus to notice', () => !replica.bus.connected());
  // A watch in progress ends, so that its client lists again.
  expect(await w.next()).toBeUndefined();
  for (const [method, path, body] of [
    ['GET', `${EV}/kept.1`],
    ['GET', EV],
    ['GET', `${EV}?watch=1`],
    ['POST', EV, event('lost.1')],
    ['DELETE', `${EV}/kept.1`],
  ] as [string, string, Json?][]) {
    const r = await replica.request(method, path, body);
    expect({ method, path, status: r.status }).toEqual({ method, path, status: 503 });
    expect(r.body).toMatchObject({ kind: 'Status', status: 'Failure', reason: 'ServiceUnavailable', code: 503 });
  }
  const cm = await replica.request('POST', '/api/v1/namespaces/default/configmaps', { metadata: { name: 'during-outage' } });
  expect(cm.status).toBe(201);
  // Published (here: dropped) at the end of the event loop's turn.
  await eventually('the change to be dropped', () => replica.bus.publisher.dropped > 0);

  await nats.start();
  await eventually('the bus to reconnect', () => replica.bus.connected(), 15_000);
  expect((await replica.request('GET', `${EV}/kept.1`)).status).toBe(200);
  expect((await replica.request('POST', EV, event('after.1'))).status).toBe(201);
});
