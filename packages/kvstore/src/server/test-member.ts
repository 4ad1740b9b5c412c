/**
 * Starts a real single-member store in this process for tests: a temp data dir, a random
 * loopback port for gRPC and for HTTP. Not exported from the package; tests import it directly.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { RealClock, SeededRng, silentLogger } from '@kubemu/base';
import { InMemoryNetwork } from '@kubemu/raft';
import { parseInitialCluster } from './cluster-config';
import { startMember } from './member';
import type { RunningMember } from './member';
import { MvccStateMachine } from './mvcc-state-machine';

export interface TestMember extends RunningMember {
  endpoint: string;
  metricsUrl: string;
  dataDir: string;
  /** Stops the member and deletes its data dir. */
  destroy(): Promise<void>;
}

export async function startTestMember(dataDir?: string): Promise<TestMember> {
  const dir = dataDir ?? (await mkdtemp(path.join(os.tmpdir(), 'kvstore-test-')));
  const clock = new RealClock();
  const members = parseInitialCluster('default=http://127.0.0.1:2380', 'kvstore-test');
  const network = new InMemoryNetwork();
  const m = await startMember({
    name: 'default',
    dataDir: dir,
    members,
    advertiseClientURLs: ['http://127.0.0.1:2379'],
    transport: network.transport(members[0]!.id),
    stateMachine: new MvccStateMachine(clock),
    clock,
    rng: new SeededRng(1),
    heartbeatMs: 50,
    electionMs: 500,
    listenClientURLs: ['http://127.0.0.1:0'],
    listenMetricsURLs: ['http://127.0.0.1:0'],
    logger: silentLogger('kvstore-test'),
  });
  await m.server.waitLeader();
  return {
    ...m,
    endpoint: `127.0.0.1:${m.clientPorts[0]!}`,
    metricsUrl: `http://127.0.0.1:${m.metricsPorts[0]!}`,
    dataDir: dir,
    async destroy() {
      await m.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
