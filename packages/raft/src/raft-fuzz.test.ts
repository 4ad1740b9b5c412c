import { SeededRng } from '@kubemu/base';
import { TestNetwork } from './test-network';
import type { TestPeer } from './test-network';
import type { NodeId } from './types';

/**
 * Randomized safety check: message loss, reordering, duplication, partitions, crashes and
 * compaction, with the invariants of Figure 3 checked after every step:
 * - Election Safety: at most one leader per term;
 * - State Machine Safety: no two nodes apply different entries at the same index.
 * Then the faults heal and the cluster must commit a new proposal (liveness).
 */
/** More seeds on demand: RAFT_FUZZ_SEEDS=500 npx jest packages/raft/src/raft-fuzz */
const SEEDS = Number(process.env.RAFT_FUZZ_SEEDS ?? 20);

function run(seed: number, size: number, cfg: { preVote: boolean; checkQuorum: boolean }, confChanges = false): void {
  const rng = new SeededRng(seed);
  const founders = Array.from({ length: size }, (_, i) => i + 1);
  const net = new TestNetwork(founders, cfg, seed);
  // With conf changes, one extra node keeps joining, being promoted, demoted and removed.
  const extra = size + 1;
  if (confChanges) net.addPeer(extra);
  const ids = confChanges ? [...founders, extra] : founders;
  const leaderOfTerm = new Map<number, NodeId>();
  const appliedAt = new Map<number, string>();
  const seen = new Map<NodeId, number>();
  let proposals = 0;
  // ReadIndex (§6.4): a read point must include every write completed (applied anywhere)
  // before the read was requested.
  const readFloor = new Map<string, number>();
  const seenReads = new Map<NodeId, number>();

  const check = (): void => {
    for (const p of net.peers.values()) {
      const st = p.node.status();
      if (st.softState.raftState === 'Leader') {
        const prev = leaderOfTerm.get(st.hardState.term);
        if (prev !== undefined && prev !== p.id) throw new Error(`seed ${seed}: two leaders in term ${st.hardState.term}: ${prev} and ${p.id}`);
        leaderOfTerm.set(st.hardState.term, p.id);
      }
      const from = seen.get(p.id) ?? 0;
      for (const e of p.appliedEntries.slice(from)) {
        const v = `${e.term}:${e.type}:${Buffer.from(e.data).toString('hex')}`;
        const prev = appliedAt.get(e.index);
        if (prev !== undefined && prev !== v) throw new Error(`seed ${seed}: node ${p.id} applied ${v} at ${e.index}, another applied ${prev}`);
        appliedAt.set(e.index, v);
      }
      seen.set(p.id, p.appliedEntries.length);
      for (const rs of p.readStates.slice(seenReads.get(p.id) ?? 0)) {
        const ctx = new TextDecoder().decode(rs.requestCtx);
        const floor = readFloor.get(ctx) ?? 0;
        if (rs.index < floor) throw new Error(`seed ${seed}: read ${ctx} at ${rs.index} misses writes applied up to ${floor}`);
      }
      seenReads.set(p.id, p.readStates.length);
    }
  };

  for (let step = 0; step < 3000; step++) {
    const id = rng.pick(ids);
    const r = rng.next();
    if (r < 0.35) {
      net.tick(id);
    } else if (r < 0.55) {
      net.handleReady(id);
    } else if (r < 0.75) {
      // Deliver a random part of the queue, reordered, with loss and duplication.
      const q = rng.shuffle(net.queue);
      net.queue = [];
      const keep = q.filter(() => rng.chance(0.3));
      const now = q.filter((m) => {
        if (keep.includes(m)) return false;
        if (!rng.chance(0.1)) return true;
        net.lose(m);
        return false;
      });
      const dup = now.filter(() => rng.chance(0.05));
      net.queue = [...now, ...dup];
      net.deliver();
      net.queue.push(...keep);
    } else if (r < 0.83) {
      if (confChanges && rng.chance(0.1)) {
        const type = rng.pick(['AddNode', 'AddLearnerNode', 'RemoveNode'] as const);
        net.node(id).proposeConfChange({ type, nodeId: extra });
      } else {
        net.propose(id, `p${proposals++}`);
      }
    } else if (r < 0.86) {
      if (rng.chance(0.5)) net.isolate(id);
      else net.heal();
    } else if (r < 0.88) {
      const p = net.restart(id);
      seen.set(id, 0);
      seenReads.set(id, 0);
      p.appliedEntries = [];
    } else if (r < 0.96) {
      // Leadership transfers, transport failures and reads mixed in with everything else.
      const other = rng.pick(ids);
      const k = rng.int(6);
      if (k === 0) net.node(id).transferLeadership(other);
      else if (k === 1) net.node(id).reportUnreachable(other);
      else {
        readFloor.set(`read${step}`, Math.max(0, ...ids.map((x) => net.node(x).status().applied)));
        net.node(id).readIndex(new TextEncoder().encode(`read${step}`));
      }
    } else if (r < 0.98) {
      const p = net.peer(id);
      const applied = p.node.status().applied;
      if (applied > p.storage.firstIndex() + 2 && p.confState.voters.length > 0) {
        try {
          p.storage.createSnapshot(applied, p.confState, new Uint8Array(0));
          p.storage.compact(applied - 1);
        } catch {
          // Already snapshotted at or past this index.
        }
      }
    }
    check();
  }

  // Liveness: once faults heal, a leader emerges and a new proposal is applied everywhere. A
  // node with a stale log may still disrupt one election (without pre-vote), and a proposal
  // may be lost with its leader, so propose again until one makes it.
  net.heal();
  net.intercept = undefined;
  const hasFinal = (p: TestPeer): boolean => p.appliedEntries.some((e) => Buffer.from(e.data).toString() === 'final');
  let done = false;
  for (let attempt = 0; attempt < 10 && !done; attempt++) {
    for (let i = 0; i < 100 && net.leaders().length !== 1; i++) net.tickAll(1);
    if (net.leaders().length !== 1) continue;
    const leader = net.leaders()[0];
    if (leader !== undefined) net.propose(leader, 'final');
    net.tickAll(30);
    check();
    const members = leader === undefined ? [] : net.node(leader).status().progress?.keys() ?? [];
    done = leader !== undefined && [...members].every((m) => hasFinal(net.peer(m)));
  }
  expect(done).toBe(true);
}

describe('randomized safety (Figure 3 invariants)', () => {
  for (const cfg of [
    { preVote: false, checkQuorum: false },
    { preVote: true, checkQuorum: false },
    { preVote: true, checkQuorum: true },
  ]) {
    it(`holds under faults (preVote=${cfg.preVote}, checkQuorum=${cfg.checkQuorum})`, () => {
      for (let seed = 1; seed <= SEEDS; seed++) run(seed, seed % 2 === 0 ? 5 : 3, cfg);
    });
  }
  it('holds under faults with membership changes (§6)', () => {
    for (let seed = 1; seed <= SEEDS; seed++) run(seed, 3, { preVote: seed % 2 === 0, checkQuorum: seed % 3 === 0 }, true);
  });
});
