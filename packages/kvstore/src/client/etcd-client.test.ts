// The project's own client against a real single-member kvstore, with a dead endpoint first in
// the list to exercise failover.
import http2 from 'node:http2';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import type { Event } from '../grpc/etcd-types';
import { startTestMember } from '../server/test-member';
import type { TestMember } from '../server/test-member';
import { EtcdClient } from './etcd-client';

let member: TestMember;
let client: EtcdClient;
const b = (s: string): Buffer => Buffer.from(s);

async function deadEndpoint(): Promise<string> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', () => r()));
  const port = (srv.address() as AddressInfo).port;
  await new Promise<void>((r) => srv.close(() => r()));
  return `127.0.0.1:${port}`;
}

beforeAll(async () => {
  member = await startTestMember();
  client = new EtcdClient({ endpoints: [await deadEndpoint(), member.endpoint], requestTimeoutMs: 3000 });
});

afterAll(async () => {
  client.close();
  await member.destroy();
});

test('range fails over from a dead endpoint; put, txn, delete', async () => {
  expect((await client.range({ key: b('a') })).kvs).toEqual([]);
  const put = await client.put({ key: b('a'), value: b('1') });
  expect(put.header.revision).toBeGreaterThan(1);
  const txn = await client.txn({
    compare: [{ key: b('a'), target: 'VALUE', result: 'EQUAL', value: b('1') }],
    success: [{ requestPut: { key: b('a'), value: b('2') } }],
    failure: [],
  });
  expect(txn.succeeded).toBe(true);
  const got = await client.range({ key: b('a') });
  expect(Buffer.from(got.kvs[0]!.value).toString()).toBe('2');
  expect((await client.deleteRange({ key: b('a') })).deleted).toBe(1);
});

test('watch delivers events; lease grant, keepalive, time to live, revoke', async () => {
  const events: Event[] = [];
  const seen = new Promise<void>((resolve) => {
    const w = client.watch({ key: b('w'), rangeEnd: b('x') }, {
      onEvents: (evs) => {
        events.push(...evs);
        if (events.length >= 2) {
          w.cancel();
          resolve();
        }
      },
    });
  });
  await new Promise((r) => setTimeout(r, 100));
  await client.put({ key: b('w1'), value: b('x') });
  await client.deleteRange({ key: b('w1') });
  await seen;
  expect(events.map((e) => e.type)).toEqual(['PUT', 'DELETE']);

  const lease = await client.leaseGrant(20);
  await client.put({ key: b('l'), value: b('v'), lease: lease.ID });
  expect((await client.leaseKeepAliveOnce(lease.ID)).TTL).toBe(20);
  const ttl = await client.leaseTimeToLive(lease.ID, true);
  expect(ttl.keys.map((k) => Buffer.from(k).toString())).toEqual(['l']);
  await client.leaseRevoke(lease.ID);
  expect((await client.leaseTimeToLive(lease.ID)).TTL).toBe(-1);
  expect((await client.range({ key: b('l') })).count).toBe(0);
});

test('errors carry etcd codes and messages', async () => {
  await expect(client.put({ key: b('k'), value: b('v'), lease: 999 })).rejects.toMatchObject({ code: 5, details: 'etcdserver: requested lease not found' });
  expect((await client.status()).version).toBe('3.4.0');
  expect((await client.memberList()).members).toHaveLength(1);
});

test('a write is retried on the next endpoint only when it was never sent', async () => {
  // Nothing listens on the first endpoint: the put never leaves the process, so it moves on.
  const viaDead = new EtcdClient({ endpoints: [await deadEndpoint(), member.endpoint], requestTimeoutMs: 3000 });
  try {
    expect((await viaDead.put({ key: b('never-sent'), value: b('1') })).header.revision).toBeGreaterThan(1);
  } finally {
    viaDead.close();
  }
  // The first endpoint takes the request and then drops the connection: it may have been applied,
  // so the caller gets UNAVAILABLE and the member behind the second endpoint never sees it.
  const sessions = new Set<http2.ServerHttp2Session>();
  const dropper = http2.createServer();
  dropper.on('session', (s) => sessions.add(s));
  dropper.on('stream', (stream) => stream.session?.destroy());
  await new Promise<void>((r) => dropper.listen(0, '127.0.0.1', () => r()));
  const dropping = new EtcdClient({ endpoints: [`127.0.0.1:${(dropper.address() as AddressInfo).port}`, member.endpoint], requestTimeoutMs: 3000 });
  try {
    await expect(dropping.put({ key: b('in-flight'), value: b('1') })).rejects.toMatchObject({ code: 14 });
    expect((await client.range({ key: b('in-flight') })).kvs).toEqual([]);
  } finally {
    dropping.close();
    for (const s of sessions) s.destroy();
    await new Promise<void>((r) => dropper.close(() => r()));
  }
});
