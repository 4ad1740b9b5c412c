/**
 * The `etcd3` npm client, an independent judge, against a 3-member kvstore started by the
 * `kubemu` launcher: the same behaviours the etcdctl test checks, through the library.
 */
import { Etcd3 } from 'etcd3';
import { KvstoreCluster, multiMemberSupported } from './support/kvstore-cluster';
import { waitFor } from './support/kubemu-project';

const SIZE = multiMemberSupported() ? 3 : 1;
if (SIZE === 1) console.warn('kvstore-etcd3: the built store has no peer transport yet; running against 1 member');

jest.setTimeout(60_000);

let cluster: KvstoreCluster;
let client: Etcd3;
/** One client per member, without failover, to see what each member itself answers. */
let perMember: Etcd3[];

beforeAll(async () => {
  cluster = await KvstoreCluster.start({ size: SIZE, prefix: 'kve' });
  client = new Etcd3({ hosts: cluster.endpoints.map((e) => `http://${e}`) });
  perMember = cluster.endpoints.map((e) => new Etcd3({ hosts: `http://${e}` }));
}, 60_000);

afterAll(async () => {
  client?.close();
  for (const c of perMember ?? []) c.close();
  await cluster?.down();
}, 60_000);

test('put, get (prefix, revision, keys only), delete', async () => {
  await client.put('/registry/pods/default/a').value('1');
  const second = await client.put('/registry/pods/default/b').value('2').exec();
  await client.put('/registry/pods/default/b').value('3');
  await client.put('/registry/services/default/s').value('s');
  expect(await client.get('/registry/pods/default/a').string()).toBe('1');
  expect(await client.getAll().prefix('/registry/pods/').strings()).toEqual({ '/registry/pods/default/a': '1', '/registry/pods/default/b': '3' });
  expect(await client.getAll().prefix('/registry/').keys()).toEqual(['/registry/pods/default/a', '/registry/pods/default/b', '/registry/services/default/s']);
  expect(await client.get('/registry/pods/default/b').revision(second.header.revision).string()).toBe('2');
  expect(await client.getAll().prefix('/registry/').count()).toBe(3);
  expect((await client.delete().key('/registry/pods/default/a').exec()).deleted).toBe('1');
  expect((await client.delete().prefix('/registry/').exec()).deleted).toBe('2');
  expect(await client.getAll().prefix('/registry/').count()).toBe(0);
});

test('writes through any member are read back from every member', async () => {
  for (const [i, c] of perMember.entries()) await c.put(`via/${i}`).value(`m${i}`);
  const expected = Object.fromEntries(perMember.map((_, i) => [`via/${i}`, `m${i}`]));
  for (const c of perMember) expect(await c.getAll().prefix('via/').strings()).toEqual(expected);
});

test('txn: compare on value and version, then and else branches', async () => {
  await client.put('tk').value('v1');
  const ok = await client.if('tk', 'Value', '==', 'v1').then(client.put('tk').value('v2')).else(client.put('tk').value('nope')).commit();
  expect(ok.succeeded).toBe(true);
  const no = await client.if('tk', 'Version', '>', 5).then(client.put('tk').value('never')).else(client.get('tk')).commit();
  expect(no.succeeded).toBe(false);
  expect(no.responses[0]?.response_range?.kvs[0]?.value.toString()).toBe('v2');
  expect(await client.get('tk').string()).toBe('v2');
});

test('watch a prefix, and replay from a past revision', async () => {
  const first = await client.put('h/1').value('a').exec();
  await client.put('h/1').value('b');
  await client.delete().key('h/1');
  const replayed: string[] = [];
  const replay = await client.watch().key('h/1').startRevision(first.header.revision).create();
  await new Promise<void>((resolve) => {
    replay.on('put', (kv) => replayed.push(`put ${kv.value.toString()}`));
    replay.on('delete', () => {
      replayed.push('delete');
      resolve();
    });
  });
  await replay.cancel();
  expect(replayed).toEqual(['put a', 'put b', 'delete']);

  const live = await client.watch().prefix('w/').create();
  const seen: string[] = [];
  const done = new Promise<void>((resolve) => {
    live.on('put', (kv) => seen.push(`put ${kv.key.toString()}=${kv.value.toString()}`));
    live.on('delete', (kv) => {
      seen.push(`delete ${kv.key.toString()}`);
      resolve();
    });
  });
  await client.put('w/1').value('a');
  await client.put('other').value('z');
  await client.put('w/2').value('b');
  await client.delete().key('w/1');
  await done;
  await live.cancel();
  expect(seen).toEqual(['put w/1=a', 'put w/2=b', 'delete w/1']);
});

test('lease: grant, attach, keepalive once, time to live, revoke deletes the key', async () => {
  const lease = client.lease(60, { autoKeepAlive: false });
  const id = await lease.grant();
  expect(id).toMatch(/^[0-9]+$/); // etcd3 gives int64 IDs as decimal strings
  await lease.put('leased').value('x');
  expect(Number((await lease.keepaliveOnce()).TTL)).toBe(60);
  const ttl = await client.leaseClient.leaseTimeToLive({ ID: id, keys: true });
  expect(Number(ttl.grantedTTL)).toBe(60);
  expect(Number(ttl.TTL)).toBeGreaterThanOrEqual(58);
  expect(ttl.keys.map((k) => k.toString())).toEqual(['leased']);
  await lease.revoke();
  expect(await client.get('leased').string()).toBeNull();
  await expect(client.put('x').value('y').lease(id).exec()).rejects.toThrow(/requested lease not found/);
});

test('a key attached to a lease that is not kept alive expires after the TTL', async () => {
  const lease = client.lease(2, { autoKeepAlive: false });
  await lease.grant();
  await lease.put('ephemeral').value('x');
  expect(await client.get('ephemeral').string()).toBe('x');
  await waitFor('the key to expire', async () => ((await client.get('ephemeral').string()) === null ? true : undefined), 10_000, 200);
  for (const c of perMember) expect(await c.get('ephemeral').serializable(true).string()).toBeNull();
  lease.release();
});

test(`member list: ${SIZE} members with names and URLs; status from each endpoint agrees on the leader`, async () => {
  const ml = await client.cluster.memberList({});
  expect(ml.members.map((m) => [m.name, m.peerURLs, m.clientURLs]).sort()).toEqual(
    cluster.names.map((n) => [n, [`http://${cluster.advertisedHost(n)}:2380`], [`http://${cluster.advertisedHost(n)}:2379`]]),
  );
  const statuses = await Promise.all(perMember.map((c) => c.maintenance.status({})));
  expect(new Set(statuses.map((s) => s.leader)).size).toBe(1);
  expect(statuses.filter((s) => s.header.member_id === s.leader)).toHaveLength(1);
  for (const s of statuses) expect(s.version).toBe('3.4.0');
});

test('compaction: a range below it is OUT_OF_RANGE compacted, the latest value stays', async () => {
  const r1 = await client.put('c').value('1').exec();
  await client.put('c').value('2');
  const r3 = await client.put('c').value('3').exec();
  await client.kv.compact({ revision: r3.header.revision });
  await expect(client.get('c').revision(r1.header.revision).string()).rejects.toThrow(/required revision has been compacted/);
  expect(await client.get('c').string()).toBe('3');
});
