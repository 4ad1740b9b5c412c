import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { RealClock, SeededRng, silentLogger } from '@kubemu/base';
import { parseInitialCluster } from './cluster-config';
import { loadOrRecordMembers, startClusterMember } from './cluster-member';
import { MvccStateMachine } from './mvcc-state-machine';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'kvstore-cm-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const initial = parseInitialCluster('a=http://127.0.0.1:1,b=http://127.0.0.1:2,c=http://127.0.0.1:3', 't');

test('the first start records --initial-cluster; later starts use the record and ignore the flag', async () => {
  expect(await loadOrRecordMembers(dir, initial)).toEqual({ members: initial, restarted: false });
  const other = parseInitialCluster('a=http://10.0.0.1:2380', 't');
  expect(await loadOrRecordMembers(dir, other)).toEqual({ members: initial, restarted: true });
});

test('--initial-cluster-state existing on an empty data dir is refused with a clear message', async () => {
  const clock = new RealClock();
  await expect(
    startClusterMember({
      name: 'a', dataDir: path.join(dir, 'a'), initialCluster: initial, initialClusterState: 'existing',
      listenPeerURL: 'http://127.0.0.1:0', advertiseClientURLs: [], stateMachine: new MvccStateMachine(clock),
      clock, rng: new SeededRng(1), listenClientURLs: [], listenMetricsURLs: [], logger: silentLogger('t'),
    }),
  ).rejects.toThrow(/member add\) is not supported/);
});
