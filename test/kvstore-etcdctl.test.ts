/**
 * etcdctl 3.4 (the real binary, ETCDCTL_API=3) against a 3-member kvstore started by the `kubemu`
 * launcher, judged by what a user sees: output text and exit codes. Every command goes to all
 * three endpoints unless it names one, so followers answer too (etcd forwards or serves them).
 */
import { execFile } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { ETCDCTL, KvstoreCluster, haveEtcdctl, multiMemberSupported } from './support/kvstore-cluster';
import { sleep, waitFor } from './support/kubemu-project';

const SIZE = multiMemberSupported() ? 3 : 1;
if (SIZE === 1) console.warn('kvstore-etcdctl: the built store has no peer transport yet; running against 1 member');
if (!haveEtcdctl) console.warn(`kvstore-etcdctl skipped: ${ETCDCTL} not found (install etcd-client 3.4)`);
const maybe = haveEtcdctl ? describe : describe.skip;

jest.setTimeout(60_000);

let cluster: KvstoreCluster;
const etcdctl = (args: string[], input?: string) => cluster.etcdctl(args, input === undefined ? {} : { input });
const revisionOf = (stdout: string): number => Number((JSON.parse(stdout) as { header: { revision: string | number } }).header.revision);

/** `etcdctl watch ...` as a child process; its stdout accumulates until stop(). */
function watch(args: string[]): { out: () => string; err: () => string; stop: () => void; child: ChildProcess } {
  let out = '';
  let err = '';
  const child = execFile(ETCDCTL, [`--endpoints=${cluster.endpoints.join(',')}`, 'watch', ...args], { env: { ...process.env, ETCDCTL_API: '3' } });
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (err += d.toString()));
  return { out: () => out, err: () => err, stop: () => child.kill('SIGKILL'), child };
}

maybe(`etcdctl 3.4 against a ${SIZE}-member kvstore`, () => {
  beforeAll(async () => {
    cluster = await KvstoreCluster.start({ size: SIZE, prefix: 'kvc' });
  }, 60_000);
  afterAll(async () => {
    await cluster?.down();
  }, 60_000);

  test('put / get: plain, --prefix, --keys-only, -w json, --rev; del', async () => {
    expect(await etcdctl(['put', '/registry/pods/default/a', 'one'])).toEqual({ code: 0, stdout: 'OK\n', stderr: '' });
    const second = await etcdctl(['put', '/registry/pods/default/b', 'two', '-w', 'json']);
    const rev = revisionOf(second.stdout);
    await etcdctl(['put', '/registry/pods/default/b', 'three']);
    await etcdctl(['put', '/registry/services/default/s', 'svc']);
    expect((await etcdctl(['get', '/registry/pods/default/a'])).stdout).toBe('/registry/pods/default/a\none\n');
    expect((await etcdctl(['get', '/registry/pods', '--prefix'])).stdout).toBe(
      '/registry/pods/default/a\none\n/registry/pods/default/b\nthree\n',
    );
    expect((await etcdctl(['get', '/registry/', '--prefix', '--keys-only'])).stdout).toBe(
      '/registry/pods/default/a\n\n/registry/pods/default/b\n\n/registry/services/default/s\n\n',
    );
    expect((await etcdctl(['get', '/registry/pods/default/b', `--rev=${rev}`, '--print-value-only'])).stdout).toBe('two\n');
    const json = JSON.parse((await etcdctl(['get', '/registry/pods/default/b', '-w', 'json'])).stdout) as {
      header: { revision: number }; count: number; kvs: Array<{ key: string; value: string; version: number; create_revision: number; mod_revision: number }>;
    };
    expect(json.count).toBe(1);
    const kv = json.kvs[0]!;
    expect(Buffer.from(kv.key, 'base64').toString()).toBe('/registry/pods/default/b');
    expect(Buffer.from(kv.value, 'base64').toString()).toBe('three');
    expect(kv.version).toBe(2);
    expect(kv.create_revision).toBe(rev);
    expect(kv.mod_revision).toBe(rev + 1);
    expect((await etcdctl(['del', '/registry/pods/default/a'])).stdout).toBe('1\n');
    expect((await etcdctl(['del', '/registry/', '--prefix'])).stdout).toBe('2\n');
    expect((await etcdctl(['del', 'never-there'])).stdout).toBe('0\n');
    expect((await etcdctl(['get', '/registry/', '--prefix'])).stdout).toBe('');
  });

  test('every member serves the same data (reads and writes through followers too)', async () => {
    for (const [i, ep] of cluster.endpoints.entries()) {
      expect((await cluster.etcdctl(['put', `via/${i}`, `m${i}`], { endpoints: [ep] })).stdout).toBe('OK\n');
    }
    const expected = cluster.endpoints.map((_, i) => `via/${i}\nm${i}\n`).join('');
    for (const ep of cluster.endpoints) {
      expect((await cluster.etcdctl(['get', 'via/', '--prefix'], { endpoints: [ep] })).stdout).toBe(expected);
    }
  });

  test('watch --prefix sees new events; watch --rev replays history', async () => {
    const first = revisionOf((await etcdctl(['put', 'w/a', '1', '-w', 'json'])).stdout);
    await etcdctl(['put', 'w/a', '2']);
    await etcdctl(['del', 'w/a']);
    const replay = watch(['w/a', `--rev=${first}`]);
    try {
      await waitFor('the replay', async () => (replay.out().includes('DELETE') ? true : undefined), 10_000, 50);
      await sleep(200); // nothing more may follow
      expect(replay.out()).toBe('PUT\nw/a\n1\nPUT\nw/a\n2\nDELETE\nw/a\n\n');
    } finally {
      replay.stop();
    }
    const live = watch(['--prefix', 'live/']);
    try {
      // The watch is created asynchronously: keep writing a marker until it shows up.
      await waitFor('the watch to start', async () => {
        await etcdctl(['put', 'live/ready', 'x']);
        return live.out().includes('live/ready') ? true : undefined;
      }, 10_000, 200);
      const mark = live.out().length;
      await etcdctl(['put', 'live/1', 'a']);
      await etcdctl(['put', 'other', 'z']);
      await etcdctl(['del', 'live/1']);
      await waitFor('the live events', async () => (live.out().slice(mark).includes('DELETE') ? true : undefined), 10_000, 50);
      expect(live.out().slice(mark)).toBe('PUT\nlive/1\na\nDELETE\nlive/1\n\n');
    } finally {
      live.stop();
    }
  });

  test('txn, interactive form on stdin: success and failure branches', async () => {
    await etcdctl(['put', 'tk', 'v1']);
    const ok = await etcdctl(['txn'], 'value("tk") = "v1"\n\nput tk v2\n\nput tk nope\n\n');
    expect(ok).toEqual({ code: 0, stdout: 'SUCCESS\n\nOK\n', stderr: '' });
    const no = await etcdctl(['txn'], 'value("tk") = "v1"\nversion("tk") > "5"\n\nput tk never\n\nget tk\n\n');
    expect(no.stdout).toBe('FAILURE\n\ntk\nv2\n');
    expect((await etcdctl(['get', 'tk', '--print-value-only'])).stdout).toBe('v2\n');
  });

  test('lease grant, put --lease, timetolive --keys, keep-alive --once, revoke', async () => {
    const grant = await etcdctl(['lease', 'grant', '60']);
    const id = /^lease ([0-9a-f]+) granted with TTL\(60s\)\n$/.exec(grant.stdout)?.[1];
    expect(id).toBeDefined();
    expect((await etcdctl(['put', 'lk', 'v', `--lease=${id!}`])).stdout).toBe('OK\n');
    expect((await etcdctl(['lease', 'timetolive', id!, '--keys'])).stdout).toMatch(
      new RegExp(`^lease ${id!} granted with TTL\\(60s\\), remaining\\((59|60)s\\), attached keys\\(\\[lk\\]\\)\\n$`),
    );
    expect((await etcdctl(['lease', 'keep-alive', '--once', id!])).stdout).toBe(`lease ${id!} keepalived with TTL(60)\n`);
    expect((await etcdctl(['lease', 'list'])).stdout).toContain(id!);
    expect((await etcdctl(['lease', 'revoke', id!])).stdout).toBe(`lease ${id!} revoked\n`);
    expect((await etcdctl(['get', 'lk'])).stdout).toBe('');
    expect((await etcdctl(['lease', 'timetolive', id!])).stdout).toBe(`lease ${id!} already expired\n`);
    const gone = await etcdctl(['lease', 'revoke', id!]);
    expect(gone.code).not.toBe(0);
    expect(gone.stderr).toContain('etcdserver: requested lease not found');
  });

  test('a key put with a lease disappears after the TTL when nobody keeps it alive', async () => {
    const id = /lease ([0-9a-f]+) granted/.exec((await etcdctl(['lease', 'grant', '2'])).stdout)?.[1];
    expect(id).toBeDefined();
    await etcdctl(['put', 'ephemeral', 'x', `--lease=${id!}`]);
    expect((await etcdctl(['get', 'ephemeral', '--print-value-only'])).stdout).toBe('x\n');
    const started = Date.now();
    await waitFor('the leased key to expire', async () => ((await etcdctl(['get', 'ephemeral'])).stdout === '' ? true : undefined), 10_000, 200);
    // Not before the TTL (2 s, minus what granting and the first get took).
    expect(Date.now() - started).toBeGreaterThan(1000);
    for (const ep of cluster.endpoints) {
      expect((await cluster.etcdctl(['get', 'ephemeral', '--consistency=s'], { endpoints: [ep] })).stdout).toBe('');
    }
  });

  test(`member list shows ${SIZE} started members with their peer and client URLs`, async () => {
    const r = await etcdctl(['member', 'list']);
    expect(r.code).toBe(0);
    // etcdctl prints members in id order; compare them by name.
    const lines = r.stdout.trim().split('\n').sort((a, b) => (a.split(', ')[2] ?? '').localeCompare(b.split(', ')[2] ?? ''));
    expect(lines).toHaveLength(SIZE);
    lines.forEach((line, i) => {
      const host = cluster.advertisedHost(`etcd-${i}`);
      expect(line).toMatch(new RegExp(`^[0-9a-f]+, started, etcd-${i}, http://${host}:2380, http://${host}:2379, false$`));
    });
    expect(new Set(lines.map((l) => l.split(', ')[0])).size).toBe(SIZE);
  });

  test('endpoint status and health, per endpoint', async () => {
    const st = await etcdctl(['endpoint', 'status', '-w', 'json']);
    expect(st.code).toBe(0);
    const rows = JSON.parse(st.stdout) as Array<{ Endpoint: string; Status: { version: string; leader: number; header: { member_id: number }; raft_term: number } }>;
    expect(rows).toHaveLength(SIZE);
    expect(new Set(rows.map((r) => r.Status.leader)).size).toBe(1);
    expect(rows.filter((r) => r.Status.header.member_id === r.Status.leader)).toHaveLength(1);
    for (const r of rows) expect(r.Status.version).toBe('3.4.0');
    const table = await etcdctl(['endpoint', 'status']);
    expect(table.stdout.trim().split('\n')).toHaveLength(SIZE);
    const health = await etcdctl(['endpoint', 'health']);
    expect(health.code).toBe(0);
    for (const ep of cluster.endpoints) expect(health.stdout + health.stderr).toMatch(new RegExp(`${ep.replace(/\./g, '\\.')} is healthy: successfully committed proposal`));
  });

  test('endpoint status and health --cluster (the advertised http:// URLs from member list)', async () => {
    const st = await cluster.etcdctlInside(['endpoint', 'status', '--cluster']);
    expect(st.code).toBe(0);
    const rows = st.stdout.trim().split('\n');
    expect(rows).toHaveLength(SIZE);
    for (const n of cluster.names) expect(st.stdout).toContain(`http://${cluster.advertisedHost(n)}:2379, `);
    const health = await cluster.etcdctlInside(['endpoint', 'health', '--cluster']);
    expect(health.code).toBe(0);
    for (const n of cluster.names) expect(health.stdout + health.stderr).toContain(`http://${cluster.advertisedHost(n)}:2379 is healthy`);
  });

  test('compaction: a read or watch below it fails with etcd\'s error, the latest value stays', async () => {
    const r1 = revisionOf((await etcdctl(['put', 'ck', '1', '-w', 'json'])).stdout);
    await etcdctl(['put', 'ck', '2']);
    const r3 = revisionOf((await etcdctl(['put', 'ck', '3', '-w', 'json'])).stdout);
    expect((await etcdctl(['compact', String(r3)])).stdout).toBe(`compacted revision ${r3}\n`);
    const old = await etcdctl(['get', 'ck', `--rev=${r1}`]);
    expect(old.code).not.toBe(0);
    expect(old.stderr).toContain('Error: etcdserver: mvcc: required revision has been compacted');
    expect((await etcdctl(['get', 'ck', `--rev=${r3}`, '--print-value-only'])).stdout).toBe('3\n');
    expect((await etcdctl(['get', 'ck', '--print-value-only'])).stdout).toBe('3\n');
    const again = await etcdctl(['compact', String(r1)]);
    expect(again.stderr).toContain('Error: etcdserver: mvcc: required revision has been compacted');
    const w = watch(['ck', `--rev=${r1}`]);
    try {
      await waitFor('the watch to end', async () => (w.child.exitCode !== null ? true : undefined), 5000, 50);
      expect(w.out()).toBe('');
      expect(w.err()).toContain('watch was canceled (etcdserver: mvcc: required revision has been compacted)');
      expect(w.child.exitCode).not.toBe(0);
    } finally {
      w.stop();
    }
  });
});
