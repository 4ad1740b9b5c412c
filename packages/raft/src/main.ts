/**
 * raft-demo (`npm run demo:raft`): the Raft library on its own - a Raft group of N members in
 * one process, each with its own WAL and snapshot directory under --data-dir, talking over an
 * in-memory network. It proposes a value every --propose-every-ms, logs leader changes and a
 * status line as JSON, and with --chaos-every-ms crashes the leader (its driver stops mid-flight,
 * nothing unsynced survives) and restarts it from disk a little later, so failover can be watched.
 * Stopping and starting the process resumes from the WAL: the commit index carries on.
 */
import path from 'node:path';
import { parseArgs } from 'node:util';
import { RealClock, SeededRng, createLogger } from '@kubemu/base';
import { DiskStorage } from './disk-storage';
import { RaftNodeDriver } from './node-driver';
import { InMemoryNetwork } from './transport';
import type { Transport } from './transport';
import type { NodeId } from './types';

const { values: flags } = parseArgs({
  options: {
    'data-dir': { type: 'string', default: '.kubemu/raft-demo' },
    members: { type: 'string', default: '3' },
    'tick-ms': { type: 'string', default: '100' },
    'propose-every-ms': { type: 'string', default: '500' },
    'chaos-every-ms': { type: 'string', default: '0' },
    'status-every-ms': { type: 'string', default: '2000' },
  },
});

const log = createLogger({ component: 'raft-demo' });
const clock = new RealClock();
const network = new InMemoryNetwork();
const ids: NodeId[] = Array.from({ length: Number(flags.members) }, (_, i) => i + 1);
const drivers = new Map<NodeId, { driver: RaftNodeDriver; storage: DiskStorage; transport: Transport }>();
const encoder = new TextEncoder();
let proposed = 0;

async function startMember(id: NodeId): Promise<void> {
  const storage = await DiskStorage.open(path.join(flags['data-dir'], `member-${id}`));
  const transport = network.transport(id);
  const driver = new RaftNodeDriver({
    raft: { id, electionTick: 10, heartbeatTick: 1, storage, rng: new SeededRng(Date.now() + id), checkQuorum: true, preVote: true },
    persister: storage,
    transport,
    clock,
    tickMs: Number(flags['tick-ms']),
    bootstrapPeers: ids,
    apply: () => undefined,
  });
  driver.onLeaderChange((lead, term) => log.info('leader changed', { member: id, lead, term }));
  driver.onError((err) => log.error('member failed', { member: id, err: err.message }));
  drivers.set(id, { driver, storage, transport });
  await driver.start();
}

async function stopMember(id: NodeId): Promise<void> {
  const m = drivers.get(id);
  if (m === undefined) return;
  drivers.delete(id);
  network.isolate(id);
  await m.driver.stop();
  await m.transport.close();
  await m.storage.close();
  log.warn('stopped member: its in-memory state is gone, its disk stays', { member: id });
}

function leader(): NodeId | undefined {
  for (const [id, m] of drivers) if (m.driver.status().softState.raftState === 'Leader') return id;
  return undefined;
}

async function main(): Promise<void> {
  for (const id of ids) await startMember(id);
  log.info('raft group up', { members: ids, dataDir: path.resolve(flags['data-dir']) });

  const proposer = clock.setInterval(() => {
    const lead = leader();
    if (lead === undefined) return;
    drivers.get(lead)?.driver.propose(encoder.encode(`value-${Date.now()}-${proposed++}`)).catch(() => undefined);
  }, Number(flags['propose-every-ms']));

  const status = clock.setInterval(() => {
    const members = ids.map((id) => {
      const m = drivers.get(id);
      if (m === undefined) return { member: id, state: 'down' };
      const st = m.driver.status();
      return { member: id, state: st.softState.raftState, term: st.hardState.term, commit: st.hardState.commit, applied: m.driver.appliedIndex() };
    });
    log.info('status', { members });
  }, Number(flags['status-every-ms']));

  const chaosEvery = Number(flags['chaos-every-ms']);
  const chaos = chaosEvery > 0
    ? clock.setInterval(() => {
        const lead = leader();
        if (lead === undefined) return;
        void stopMember(lead).then(() =>
          clock.setTimeout(() => {
            network.healAll();
            startMember(lead).catch((err: unknown) => log.error('restart failed', { member: lead, err: String(err) }));
            log.info('restarted member from disk', { member: lead });
          }, chaosEvery / 2),
        );
      }, chaosEvery)
    : undefined;

  const shutdown = (): void => {
    proposer.cancel();
    status.cancel();
    chaos?.cancel();
    void Promise.all([...drivers.keys()].map((id) => stopMember(id))).then(() => process.exit(0));
  };
  process.on('SIGINT', shutdown);
  process.on('SIGTERM', shutdown);
}

main().catch((err: unknown) => {
  log.error('raft-demo failed', { err: String(err) });
  process.exit(1);
});
