// Membership changes on a real 3-member cluster in one process, driven by etcdctl 3.4 as an
// operator would: member add, start the new member with --initial-cluster-state existing,
// member remove, learners and promote.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { Etcd3 } from 'etcd3';
import { parseInitialCluster } from './cluster-config';
import { TestCluster, eventually } from './test-cluster';

const ETCDCTL = process.env['ETCDCTL_BIN'] ?? '/usr/bin/etcdctl';
const haveEtcdctl = existsSync(ETCDCTL);
if (!haveEtcdctl) console.warn(`etcdctl membership checks skipped: ${ETCDCTL} not found`);
const maybe = haveEtcdctl ? test : test.skip;

function etcdctl(endpoint: string, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      ETCDCTL, [`--endpoints=${endpoint}`, '--dial-timeout=3s', '--command-timeout=8s', ...args],
      { env: { ...process.env, ETCDCTL_API: '3' } },
      (err, stdout, stderr) => resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

interface ListedMember { ID: number | string; name: string; peerURLs: string[]; clientURLs?: string[]; isLearner?: boolean }

async function memberList(endpoint: string): Promise<ListedMember[]> {
  const r = await etcdctl(endpoint, ['member', 'list', '-w', 'json']);
  return (JSON.parse(r.stdout) as { members: ListedMember[] }).members;
}


let cluster: TestCluster;
const clients: Etcd3[] = [];
function client(endpoint: string): Etcd3 {
  const c = new Etcd3({ hosts: `http://${endpoint}` });
  clients.push(c);
  return c;
}

beforeAll(async () => {
  cluster = await TestCluster.start({ snapshotCount: 20, snapshotCatchUpEntries: 5 });
  await cluster.waitLeader();
});

afterAll(async () => {
  for (const c of clients) c.close();
  await cluster.destroy();
});

maybe('member add through a follower, then the new member joins empty, catches up and serves linearizable reads', async () => {
  const lead = await cluster.waitLeader();
  const follower = cluster.slots[(lead + 1) % 3]!.endpoint;
  const c = client(follower);
  // Enough writes past --snapshot-count that the log was compacted: the joiner needs a snapshot.
  for (let i = 0; i < 60; i++) await c.put(`/before/${String(i).padStart(2, '0')}`).value(`v${i}`);
  const slot = await cluster.addSlot();
  const add = await etcdctl(follower, ['member', 'add', 'etcd-3', `--peer-urls=${slot.peerURL}`]);
  expect(add.stderr).toBe('');
  expect(add.stdout).toMatch(/^Member +[0-9a-f]+ added to cluster +[0-9a-f]+/);
  const env = Object.fromEntries([...add.stdout.matchAll(/^(ETCD_\w+)="(.*)"$/gm)].map((m) => [m[1], m[2]]));
  expect(env['ETCD_NAME']).toBe('etcd-3');
  expect(env['ETCD_INITIAL_CLUSTER_STATE']).toBe('existing');
  const spec = env['ETCD_INITIAL_CLUSTER']!;
  expect(spec.split(',').sort()).toEqual(cluster.slots.map((s) => `${s.name}=http://127.0.0.1:${s.peerPort}`).sort());
  // A second add of the same peer URL is refused as etcd refuses it.
  const again = await etcdctl(follower, ['member', 'add', 'etcd-x', `--peer-urls=${slot.peerURL}`]);
  expect(again.code).not.toBe(0);
  expect(again.stderr).toMatch(/Peer URLs already exists/);

  const joined = await slot.join(parseInitialCluster(spec, TestCluster.TOKEN));
  expect(joined.server.memberId.toString(16)).toBe(/^Member +([0-9a-f]+)/.exec(add.stdout)![1]);
  const r = client(cluster.slots[slot.index]!.endpoint);
  await eventually(async () => (await r.get('/before/59').string()) === 'v59');
  expect(await r.getAll().prefix('/before/').count()).toBe(60);
  expect(joined.server.clusterId).toBe(cluster.slots[lead]!.member!.server.clusterId);
  // The leader's log was compacted past the joiner's start: it caught up by snapshot.
  expect(joined.server.snapshotsReceived).toBeGreaterThanOrEqual(1);
  await eventually(async () => (await memberList(cluster.slots[slot.index]!.endpoint)).filter((m) => m.name !== '').length === 4);
  const listed = await memberList(follower);
  expect(listed.map((m) => m.name).sort()).toEqual(['etcd-0', 'etcd-1', 'etcd-2', 'etcd-3']);
  // Every member recorded the new membership: a restart knows the fourth member.
  const rec = JSON.parse(await readFile(path.join(cluster.slots[lead]!.dataDir, 'cluster.json'), 'utf8')) as { members: unknown[] };
  expect(rec.members).toHaveLength(4);
  // It takes writes too.
  await r.put('/after/join').value('ok');
  expect(await c.get('/after/join').string()).toBe('ok');
});

maybe('member remove of the added member: 3 members again, the cluster keeps working', async () => {
  const ep = cluster.slots[0]!.endpoint;
  const four = (await memberList(ep)).find((m) => m.name === 'etcd-3')!;
  const id = BigInt(four.ID).toString(16);
  const rm = await etcdctl(ep, ['member', 'remove', id]);
  expect(rm.stderr).toBe('');
  expect(rm.stdout).toMatch(new RegExp(`Member +${id} removed from cluster +[0-9a-f]+`));
  expect((await memberList(ep)).map((m) => m.name).sort()).toEqual(['etcd-0', 'etcd-1', 'etcd-2']);
  // The removed member applied its own removal and stopped serving (etcd's exits).
  await eventually(async () => Promise.resolve(cluster.slots[3]!.member === undefined), 5000);
  await client(cluster.slots[1]!.endpoint).put('/after/remove').value('ok');
  expect(await client(cluster.slots[2]!.endpoint).get('/after/remove').string()).toBe('ok');
});

maybe('member remove of an unknown id answers etcd\'s NotFound', async () => {
  const r = await etcdctl(cluster.slots[1]!.endpoint, ['member', 'remove', 'abcdef']);
  expect(r.code).not.toBe(0);
  expect(r.stderr).toMatch(/etcdserver: member not found/);
});

test('a second membership change while one is pending is refused at once, retriably', async () => {
  const lead = cluster.slots[await cluster.waitLeader()]!.member!.server;
  const first = lead.memberAdd({ peerURLs: ['http://127.0.0.1:3'], isLearner: true });
  const second = lead.memberAdd({ peerURLs: ['http://127.0.0.1:4'], isLearner: true });
  await expect(second).rejects.toMatchObject({ grpcCode: 14, message: 'etcdserver: request timed out' });
  const added = await first;
  await lead.memberRemove({ ID: added.member.ID });
});

maybe('a learner is added, catches up and is promoted', async () => {
  const ep = cluster.slots[2]!.endpoint;
  const slot = await cluster.addSlot();
  const add = await etcdctl(ep, ['member', 'add', 'etcd-4', `--peer-urls=${slot.peerURL}`, '--learner']);
  expect(add.stdout).toMatch(/^Member +[0-9a-f]+ added to cluster/);
  const id = /^Member +([0-9a-f]+)/.exec(add.stdout)![1]!;
  const spec = /^ETCD_INITIAL_CLUSTER="(.*)"$/m.exec(add.stdout)![1]!;
  expect((await memberList(ep)).find((m) => BigInt(m.ID).toString(16) === id)?.isLearner).toBe(true);
  await slot.join(parseInitialCluster(spec, TestCluster.TOKEN));
  await eventually(async () => (await etcdctl(ep, ['member', 'promote', id])).code === 0);
  const listed = await memberList(ep);
  expect(listed.filter((m) => m.isLearner === true)).toHaveLength(0);
  expect(listed).toHaveLength(4);
  await client(cluster.slots[slot.index]!.endpoint).put('/after/promote').value('ok');
  expect(await client(ep).get('/after/promote').string()).toBe('ok');
});

maybe('adding a voter while a member is down is refused (etcd\'s strict reconfig check)', async () => {
  let ep = cluster.slots[0]!.endpoint;
  const learner = (await memberList(ep)).find((m) => m.name === 'etcd-4')!;
  expect((await etcdctl(ep, ['member', 'remove', BigInt(learner.ID).toString(16)])).code).toBe(0);
  await cluster.stopMember(4);
  const lead = await cluster.waitLeader();
  ep = cluster.slots[lead]!.endpoint;
  // 3 voters, 1 down: the 4th voter would need 3 started members for quorum, 2 are.
  const down = (lead + 1) % 3;
  await cluster.stopMember(down);
  let r = { code: 0, stdout: '', stderr: '' };
  await eventually(async () => {
    r = await etcdctl(ep, ['member', 'add', 'etcd-9', '--peer-urls=http://127.0.0.1:1']);
    return r.code !== 0;
  });
  expect(r.stderr).toMatch(/re-configuration failed due to not enough started members/);
  // A learner does not count toward quorum: still allowed.
  expect((await etcdctl(ep, ['member', 'add', 'etcd-9', '--peer-urls=http://127.0.0.1:1', '--learner'])).code).toBe(0);
  await cluster.startMember(down);
});

maybe('removing the leader: it stops, the others elect a leader and take writes', async () => {
  const lead = await cluster.waitLeader();
  const id = cluster.slots[lead]!.member!.server.memberId.toString(16);
  const other = cluster.slots[(lead + 1) % 3]!.endpoint;
  const rm = await etcdctl(other, ['member', 'remove', id]);
  expect(rm.stderr).toBe('');
  await eventually(async () => Promise.resolve(cluster.slots[lead]!.member === undefined), 5000);
  const next = await cluster.waitLeader();
  expect(next).not.toBe(lead);
  await client(other).put('/after/leader-removed').value('ok');
  expect((await memberList(other)).filter((m) => !m.isLearner).map((m) => m.name)).toHaveLength(2);
});
