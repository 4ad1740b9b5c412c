import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { RealClock, SeededRng, deferred } from '@kubemu/base';
import type { Deferred } from '@kubemu/base';
import { DiskStorage, MemoryPersister } from './disk-storage';
import type { ReadyPersister } from './disk-storage';
import { ProposalDroppedError } from './errors';
import { LeaderChangedError, NodeStoppedError, RaftNodeDriver } from './node-driver';
import type { Storage } from './storage';
import { InMemoryNetwork } from './transport';
import type { Transport } from './transport';
import type { Entry, Message, NodeId, Ready } from './types';

const PEERS = [1, 2, 3];
const text = (e: Entry): string => new TextDecoder().decode(e.data);
const bytes = (s: string): Uint8Array => new TextEncoder().encode(s);

async function waitFor(what: string, cond: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** A node of a test cluster; `applied` is its state machine: the commands it applied, in order. */
interface TestNode {
  id: NodeId;
  driver: RaftNodeDriver;
  applied: string[];
  storage: Storage & ReadyPersister;
  close(): Promise<void>;
}

async function startNode(
  id: NodeId,
  transport: Transport,
  storage: Storage & ReadyPersister,
  extra: { bootstrap: boolean; close?: () => Promise<void>; readIndexTimeoutMs?: number },
): Promise<TestNode> {
  const applied: string[] = [];
  const driver = new RaftNodeDriver({
    raft: { id, electionTick: 10, heartbeatTick: 1, storage, rng: new SeededRng(id * 7919) },
    persister: storage,
    transport,
    clock: new RealClock(),
    tickMs: 10,
    ...(extra.readIndexTimeoutMs !== undefined ? { readIndexTimeoutMs: extra.readIndexTimeoutMs } : {}),
    ...(extra.bootstrap ? { bootstrapPeers: PEERS } : {}),
    apply: (entries, snapshot) => {
      // The state machine's snapshot is its list of applied commands, as JSON.
      if (snapshot !== undefined) applied.splice(0, applied.length, ...(JSON.parse(new TextDecoder().decode(snapshot.data)) as string[]));
      for (const e of entries) if (e.type === 'Normal' && e.data.length > 0) applied.push(text(e));
    },
  });
  await driver.start();
  return {
    id,
    driver,
    applied,
    storage,
    close: async () => {
      await driver.stop();
      await transport.close();
      await extra.close?.();
    },
  };
}

/** A MemoryStorage that is its own (non-durable) persister. */
function memoryStorage(): Storage & ReadyPersister {
  const memory = new MemoryPersister();
  return Object.assign(memory.storage, { persistReady: (rd: Ready) => memory.persistReady(rd) });
}

function leaderOf(nodes: TestNode[]): TestNode | undefined {
  return nodes.find((n) => n.driver.status().softState.raftState === 'Leader');
}

async function proposeAll(leader: TestNode, cmds: string[]): Promise<void> {
  for (const c of cmds) await leader.driver.propose(bytes(c));
}

describe('RaftNodeDriver', () => {
  let dir: string;
  const cleanups: Array<() => Promise<void>> = [];

  beforeEach(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'kubemu-driver-'));
  });

  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
    await fs.rm(dir, { recursive: true, force: true });
  });

  it('persists before it sends: no message leaves until persistReady resolves', async () => {
    const gate = deferred<void>();
    const events: string[] = [];
    const memory = new MemoryPersister();
    let persists = 0;
    const persister: ReadyPersister = {
      persistReady: async (rd: Ready) => {
        // The first Ready holds the bootstrap entries; hold back the ones after it.
        if (persists++ > 0) {
          events.push(`persist-start mustSync=${rd.mustSync} messages=${rd.messages.length}`);
          await gate.promise;
        }
        await memory.persistReady(rd);
        if (persists > 1) events.push('persist-done');
      },
    };
    const transport: Transport = {
      send: (ms: Message[]) => events.push(`send ${ms.map((m) => `${m.type}->${m.to}`).join(',')}`),
      onMessage: () => undefined,
      close: () => Promise.resolve(),
    };
    const driver = new RaftNodeDriver({
      raft: { id: 1, electionTick: 10, heartbeatTick: 1, storage: memory.storage, rng: new SeededRng(1) },
      persister,
      transport,
      clock: new RealClock(),
      tickMs: 60_000,
      bootstrapPeers: PEERS,
      apply: () => undefined,
    });
    cleanups.push(() => driver.stop());
    await driver.start();
    // A node campaigns only once its bootstrap membership is applied.
    await waitFor('the bootstrap entries to apply', () => driver.appliedIndex() === PEERS.length);
    driver.campaign();
    await new Promise((r) => setTimeout(r, 30));
    expect(events).toEqual(['persist-start mustSync=true messages=2']);
    gate.resolve();
    await waitFor('the vote requests', () => events.length === 3);
    expect(events).toEqual(['persist-start mustSync=true messages=2', 'persist-done', 'send MsgVote->2,MsgVote->3']);
  });

  it('steps the proposals of one turn as one batch: a follower forwards them in one MsgProp, in order', async () => {
    const net = new InMemoryNetwork();
    const sent = new Map<NodeId, Message[]>();
    const nodes: TestNode[] = [];
    for (const id of PEERS) {
      const inner = net.transport(id);
      const recording: Transport = {
        send: (ms) => {
          sent.set(id, [...(sent.get(id) ?? []), ...ms]);
          inner.send(ms);
        },
        onMessage: (h) => inner.onMessage(h),
        close: () => inner.close(),
      };
      nodes.push(await startNode(id, recording, memoryStorage(), { bootstrap: true }));
    }
    cleanups.push(async () => {
      for (const n of nodes) await n.close();
    });
    await waitFor('a leader', () => leaderOf(nodes) !== undefined);
    const leader = leaderOf(nodes) as TestNode;
    const follower = nodes.find((n) => n !== leader) as TestNode;
    await waitFor('the follower to know the leader', () => follower.driver.status().softState.lead === leader.id);
    const cmds = Array.from({ length: 20 }, (_, i) => `p${i}`);
    await Promise.all(cmds.map((c) => follower.driver.propose(bytes(c))));
    await waitFor('every node to apply the batch', () => nodes.every((n) => n.applied.length === cmds.length));
    for (const n of nodes) expect(n.applied).toEqual(cmds);
    const props = (sent.get(follower.id) ?? []).filter((m) => m.type === 'MsgProp');
    expect(props.map((m) => m.entries.map(text))).toEqual([cmds]);
  });

  it('applies what is committed and takes the next Ready while a persist is in flight, and acknowledges only after it', async () => {
    const net = new InMemoryNetwork();
    const nodes: TestNode[] = [];
    // The follower's disk: when closed, persists wait for it to open again.
    let gate: Deferred<void> | undefined;
    const memory = new MemoryPersister();
    const slowDisk = Object.assign(memory.storage, {
      persistReady: async (rd: Ready) => {
        if (gate !== undefined) await gate.promise;
        await memory.persistReady(rd);
      },
    });
    const sentBySlow: Message[] = [];
    for (const id of PEERS) {
      const storage = id === 3 ? slowDisk : memoryStorage();
      const inner = net.transport(id);
      const transport: Transport = {
        send: (ms) => {
          if (id === 3) sentBySlow.push(...ms);
          inner.send(ms);
        },
        onMessage: (h) => inner.onMessage(h),
        close: () => inner.close(),
      };
      nodes.push(await startNode(id, transport, storage, { bootstrap: true }));
    }
    cleanups.push(async () => {
      gate?.resolve();
      for (const n of nodes) await n.close();
    });
    const slow = nodes[2] as TestNode;
    await waitFor('a leader other than the slow node', () => leaderOf(nodes) !== undefined);
    if (leaderOf(nodes) === slow) {
      slow.driver.transferLeadership(1);
      await waitFor('node 1 to lead', () => nodes[0]?.driver.status().softState.raftState === 'Leader');
    }
    const leader = leaderOf(nodes) as TestNode;
    await proposeAll(leader, ['warm-up']);
    await waitFor('warm-up applied everywhere', () => nodes.every((n) => n.applied.length === 1));

    gate = deferred<void>();
    const acksBefore = sentBySlow.filter((m) => m.type === 'MsgAppResp').length;
    await proposeAll(leader, ['x']);
    // The leader commits with the other follower; the slow node hears of the commit and applies
    // x, though its own write of x has not finished.
    await waitFor('the slow node to apply x', () => slow.applied.length === 2);
    expect(slow.applied).toEqual(['warm-up', 'x']);
    expect(sentBySlow.filter((m) => m.type === 'MsgAppResp').length).toBe(acksBefore);
    gate.resolve();
    gate = undefined;
    await waitFor('the leader to see the slow node caught up', () => (leader.driver.status().progress?.get(slow.id)?.match ?? 0) >= leader.driver.status().hardState.commit);
    expect(sentBySlow.filter((m) => m.type === 'MsgAppResp').length).toBeGreaterThan(acksBefore);
  });

  it('rejects a proposal the core drops, and everything once stopped', async () => {
    const net = new InMemoryNetwork();
    const memory = new MemoryPersister();
    const driver = new RaftNodeDriver({
      raft: { id: 1, electionTick: 10, heartbeatTick: 1, storage: memory.storage, rng: new SeededRng(3) },
      persister: memory,
      transport: net.transport(1),
      clock: new RealClock(),
      tickMs: 60_000,
      bootstrapPeers: PEERS,
      apply: () => undefined,
    });
    await driver.start();
    await expect(driver.propose(bytes('x'))).rejects.toBeInstanceOf(ProposalDroppedError);
    await driver.stop();
    await expect(driver.propose(bytes('x'))).rejects.toBeInstanceOf(NodeStoppedError);
    await expect(driver.readIndex(bytes('r'))).rejects.toBeInstanceOf(NodeStoppedError);
  });

  it('runs a 3-node cluster on disk: elects, commits, serves reads, and a restarted node keeps its log', async () => {
    const net = new InMemoryNetwork();
    const open = (id: NodeId): Promise<DiskStorage> => DiskStorage.open(path.join(dir, `node-${id}`), { segmentBytes: 4096 });
    const nodes: TestNode[] = [];
    for (const id of PEERS) {
      const storage = await open(id);
      nodes.push(await startNode(id, net.transport(id), storage, { bootstrap: true, close: () => storage.close() }));
    }
    cleanups.push(async () => {
      for (const n of nodes) await n.close();
    });
    await waitFor('a leader', () => leaderOf(nodes) !== undefined);
    const leader = leaderOf(nodes) as TestNode;

    const first = Array.from({ length: 30 }, (_, i) => `cmd-${i}`);
    await proposeAll(leader, first);
    await waitFor('every node to apply the first batch', () => nodes.every((n) => n.applied.length === first.length));
    for (const n of nodes) expect(n.applied).toEqual(first);

    const readAt = await leader.driver.readIndex(bytes('read-1'));
    expect(readAt).toBeGreaterThanOrEqual(first.length);
    await leader.driver.waitApplied(readAt);

    // Stop a follower and reopen its data directory: the committed entries are there.
    const victimIdx = nodes.findIndex((n) => n !== leader);
    const victim = nodes[victimIdx] as TestNode;
    await victim.close();
    const reopened = await open(victim.id);
    const logged = reopened
      .entries(reopened.firstIndex(), reopened.lastIndex() + 1, Infinity)
      .filter((e) => e.type === 'Normal' && e.data.length > 0)
      .map(text);
    expect(logged).toEqual(first);
    expect(reopened.initialState().hardState.commit).toBeGreaterThanOrEqual(first.length + PEERS.length);

    // While it is down the others keep committing; restarted, it replays and catches up.
    const second = Array.from({ length: 10 }, (_, i) => `more-${i}`);
    await proposeAll(leader, second);
    const restarted = await startNode(victim.id, net.transport(victim.id), reopened, { bootstrap: true, close: () => reopened.close() });
    nodes[victimIdx] = restarted;
    await waitFor('the restarted node to catch up', () => restarted.applied.length === first.length + second.length);
    expect(restarted.applied).toEqual([...first, ...second]);
  });

  it('elects a new leader when the leader is cut off, and the old one rejoins', async () => {
    const net = new InMemoryNetwork();
    const nodes: TestNode[] = [];
    for (const id of PEERS) nodes.push(await startNode(id, net.transport(id), memoryStorage(), { bootstrap: true }));
    cleanups.push(async () => {
      for (const n of nodes) await n.close();
    });
    await waitFor('a leader', () => leaderOf(nodes) !== undefined);
    const old = leaderOf(nodes) as TestNode;
    const seenByOld: NodeId[] = [];
    old.driver.onLeaderChange((lead) => seenByOld.push(lead));
    await proposeAll(old, ['a']);
    await waitFor('a applied everywhere', () => nodes.every((n) => n.applied.length === 1));
    net.isolate(old.id);
    const others = nodes.filter((n) => n !== old);
    await waitFor('a new leader', () => others.some((n) => n.driver.status().softState.raftState === 'Leader'));
    const next = leaderOf(others) as TestNode;
    await proposeAll(next, ['b']);
    await waitFor('b applied by the majority', () => others.every((n) => n.applied.length === 2));
    net.healAll();
    await waitFor('the old leader to catch up', () => old.applied.length === 2);
    expect(old.applied).toEqual(['a', 'b']);
    expect(seenByOld).toContain(next.id);
  });

  it('fails a read pending across an election with LeaderChangedError once the new leader is known, not at the timeout', async () => {
    const net = new InMemoryNetwork();
    const nodes: TestNode[] = [];
    for (const id of PEERS) nodes.push(await startNode(id, net.transport(id), memoryStorage(), { bootstrap: true, readIndexTimeoutMs: 60_000 }));
    cleanups.push(async () => {
      for (const n of nodes) await n.close();
    });
    await waitFor('a leader', () => leaderOf(nodes) !== undefined);
    const old = leaderOf(nodes) as TestNode;
    await proposeAll(old, ['a']);
    const follower = nodes.find((n) => n !== old) as TestNode;
    await waitFor('a applied on the follower', () => follower.applied.length === 1);
    // The follower still believes in the old leader: its ReadIndex goes there and is lost.
    net.isolate(old.id);
    const t0 = Date.now();
    const read = follower.driver.readIndex(bytes('read-across-election'));
    read.catch(() => undefined);
    await expect(read).rejects.toBeInstanceOf(LeaderChangedError);
    expect(Date.now() - t0).toBeLessThan(10_000);
    const next = leaderOf(nodes.filter((n) => n !== old)) as TestNode;
    expect(next).toBeDefined();
    // A read asked of the new term is answered.
    await expect(follower.driver.readIndex(bytes('read-after'))).resolves.toBeGreaterThanOrEqual(1);
  });

  it('compacts the log into snapshots and brings a lagging follower back with one', async () => {
    const net = new InMemoryNetwork();
    const open = (id: NodeId): Promise<DiskStorage> => DiskStorage.open(path.join(dir, `node-${id}`), { segmentBytes: 2048 });
    const nodes: TestNode[] = [];
    const disks = new Map<NodeId, DiskStorage>();
    for (const id of PEERS) {
      const storage = await open(id);
      disks.set(id, storage);
      nodes.push(await startNode(id, net.transport(id), storage, { bootstrap: true, close: () => storage.close() }));
    }
    cleanups.push(async () => {
      for (const n of nodes) await n.close();
    });
    await waitFor('a leader', () => leaderOf(nodes) !== undefined);
    const leader = leaderOf(nodes) as TestNode;
    const laggardIdx = nodes.findIndex((n) => n !== leader);
    const laggard = nodes[laggardIdx] as TestNode;
    await laggard.close();

    const cmds = Array.from({ length: 40 }, (_, i) => `c${i}`.padEnd(64, '.'));
    await proposeAll(leader, cmds);
    const live = nodes.filter((n) => n !== laggard);
    await waitFor('the live nodes to apply', () => live.every((n) => n.applied.length === cmds.length));
    for (const n of live) {
      const disk = disks.get(n.id) as DiskStorage;
      const at = n.driver.appliedIndex();
      await disk.createSnapshot(at, n.driver.status().confState, bytes(JSON.stringify(n.applied)));
      await disk.compact(at);
      expect(disk.firstIndex()).toBe(at + 1);
    }

    // The laggard's log ends where the leader's now begins after a gap: only a snapshot helps.
    const reopened = await open(laggard.id);
    const back = await startNode(laggard.id, net.transport(laggard.id), reopened, { bootstrap: true, close: () => reopened.close() });
    nodes[laggardIdx] = back;
    await waitFor('the laggard to install the snapshot', () => back.applied.length === cmds.length);
    await proposeAll(leader, ['after-snapshot']);
    await waitFor('the laggard to apply past it', () => back.applied.length === cmds.length + 1);
    expect(back.applied).toEqual([...cmds, 'after-snapshot']);
    expect(reopened.snapshot().metadata.index).toBeGreaterThan(0);

    // Restarted once more, it restores from its own snapshot file and replays the WAL after it.
    await back.close();
    const again = await open(laggard.id);
    const third = await startNode(laggard.id, net.transport(laggard.id), again, { bootstrap: true, close: () => again.close() });
    nodes[laggardIdx] = third;
    await waitFor('the restore from disk', () => third.applied.length === cmds.length + 1);
    expect(third.applied).toEqual([...cmds, 'after-snapshot']);
  });
});
