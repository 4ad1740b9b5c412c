import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { clusterId, parseInitialCluster } from './cluster-config';
import { loadOrRecordCluster } from './cluster-member';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'kvstore-cm-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const initial = parseInitialCluster('a=http://127.0.0.1:1,b=http://127.0.0.1:2,c=http://127.0.0.1:3', 't');

test('the first start records --initial-cluster; later starts use the record and ignore the flag', async () => {
  const first = await loadOrRecordCluster(dir, initial, false);
  expect(first).toEqual({ record: { clusterId: clusterId(initial.map((m) => m.id)), members: initial, bootstrap: true }, restarted: false });
  const other = parseInitialCluster('a=http://10.0.0.1:2380', 't');
  expect(await loadOrRecordCluster(dir, other, false)).toEqual({ record: first.record, restarted: true });
});

test('a record of the old form (a bare member list) still loads as a founding member', async () => {
  await writeFile(path.join(dir, 'cluster.json'), JSON.stringify(initial));
  const { record } = await loadOrRecordCluster(dir, [], false);
  expect(record).toEqual({ clusterId: clusterId(initial.map((m) => m.id)), members: initial, bootstrap: true });
});

test('--initial-cluster-state existing on an empty data dir joins: no bootstrap, cluster id learned later', async () => {
  expect((await loadOrRecordCluster(dir, initial, true)).record).toEqual({ clusterId: 0, members: initial, bootstrap: false });
});
