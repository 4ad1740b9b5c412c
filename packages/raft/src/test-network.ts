import { SeededRng } from '@kubemu/base';
import type { RaftConfig } from './config';
import { RawNode } from './raw-node';
import { MemoryStorage } from './storage';
import type { ConfState, Entry, Message, NodeId, ReadState } from './types';
import { decodeConfChange } from './types';

/**
 * A tiny hand-driven cluster for unit tests: RawNodes over MemoryStorage, handling each Ready
 * as docs/raft-api.md prescribes (persist, send, apply, advance), with a message queue the test
 * delivers explicitly and can filter (drop a link, isolate a node). Not used in production.
 */
export interface TestPeer {
  id: NodeId;
  node: RawNode;
  storage: MemoryStorage;
  /** Data of applied Normal entries (empty no-ops excluded), in order. */
  applied: string[];
  appliedEntries: Entry[];
  readStates: ReadState[];
  confState: ConfState;
  /** Every message this peer ever sent, for assertions. */
  sent: Message[];
  /** The founding members it bootstrapped with, if it is one. */
  bootstrapPeers?: NodeId[];
}

export type TestConfig = Partial<Omit<RaftConfig, 'id' | 'storage' | 'rng'>>;

const text = new TextDecoder();

export class TestNetwork {
  readonly peers = new Map<NodeId, TestPeer>();
  queue: Message[] = [];
  /**
   * Whether to act as the transport does for snapshots: report 'finish' to the sender once a
   * MsgSnap is delivered and 'failure' when it is lost.
   */
  reportSnapshots = true;
  /** Rewrites (or, returning null, drops) each message on delivery; models a lossy link. */
  intercept: ((m: Message) => Message | null) | undefined = undefined;
  private readonly cut = new Set<string>();
  private seed: number;

  constructor(
    ids: NodeId[],
    private readonly cfg: TestConfig = {},
    seed = 1,
  ) {
    this.seed = seed;
    for (const id of ids) this.addPeer(id, ids);
  }

  /** Adds a peer; founding members bootstrap with `bootstrapPeers`, a joiner starts empty. */
  addPeer(id: NodeId, bootstrapPeers?: NodeId[], cfg: TestConfig = {}): TestPeer {
    const storage = new MemoryStorage();
    const node = new RawNode({
      electionTick: 10,
      heartbeatTick: 1,
      ...this.cfg,
      ...cfg,
      id,
      storage,
      rng: new SeededRng(this.seed * 1000 + id),
    });
    if (bootstrapPeers) node.bootstrap(bootstrapPeers);
    const peer: TestPeer = { id, node, storage, applied: [], appliedEntries: [], readStates: [], confState: { voters: [], learners: [] }, sent: [] };
    if (bootstrapPeers) peer.bootstrapPeers = bootstrapPeers;
    this.peers.set(id, peer);
    return peer;
  }

  /** Restarts a peer from its storage (its unpersisted state is lost, as after a crash). */
  restart(id: NodeId): TestPeer {
    const old = this.peer(id);
    const node = new RawNode({ electionTick: 10, heartbeatTick: 1, ...this.cfg, id, storage: old.storage, rng: new SeededRng(id + 7) });
    // A founder that crashed before persisting its bootstrap entries bootstraps again, as a
    // driver does when it finds its storage empty.
    if (old.bootstrapPeers && old.storage.lastIndex() === 0) node.bootstrap(old.bootstrapPeers);
    const peer: TestPeer = { ...old, node, applied: [], appliedEntries: [], readStates: [] };
    this.peers.set(id, peer);
    return peer;
  }

  peer(id: NodeId): TestPeer {
    const p = this.peers.get(id);
    if (!p) throw new Error(`no peer ${id}`);
    return p;
  }

  node(id: NodeId): RawNode {
    return this.peer(id).node;
  }

  /** Handles every pending Ready of `id`; returns whether there was one. */
  handleReady(id: NodeId): boolean {
    const p = this.peer(id);
    if (!p.node.hasReady()) return false;
    const rd = p.node.ready();
    if (rd.snapshot) p.storage.applySnapshot(rd.snapshot);
    p.storage.append(rd.entries);
    if (rd.hardState) p.storage.setHardState(rd.hardState);
    for (const m of rd.messages) {
      p.sent.push(m);
      this.queue.push(m);
    }
    if (rd.snapshot) {
      p.confState = rd.snapshot.metadata.confState;
      p.applied.push(`<snapshot ${rd.snapshot.metadata.index}>`);
    }
    for (const e of rd.committedEntries) {
      p.appliedEntries.push(e);
      if (e.type === 'ConfChange') p.confState = p.node.applyConfChange(decodeConfChange(e.data));
      else if (e.data.length > 0) p.applied.push(text.decode(e.data));
    }
    p.readStates.push(...rd.readStates);
    p.node.advance(rd);
    return true;
  }

  cutLink(a: NodeId, b: NodeId): void {
    this.cut.add(`${a}-${b}`);
    this.cut.add(`${b}-${a}`);
  }

  isolate(id: NodeId): void {
    for (const other of this.peers.keys()) if (other !== id) this.cutLink(id, other);
  }

  heal(): void {
    this.cut.clear();
  }

  /** Delivers the queued messages once (messages they cause are queued, not delivered). */
  deliver(filter: (m: Message) => boolean = () => true): Message[] {
    const msgs = this.queue;
    this.queue = [];
    const delivered: Message[] = [];
    for (const m of msgs) {
      if (!filter(m)) {
        this.queue.push(m);
        continue;
      }
      const to = this.peers.get(m.to);
      const msg = this.cut.has(`${m.from}-${m.to}`) || !to ? null : this.intercept ? this.intercept(m) : m;
      if (msg === null || !to) {
        this.lose(m);
        continue;
      }
      to.node.step(msg);
      delivered.push(msg);
      if (msg.type === 'MsgSnap' && this.reportSnapshots) this.peers.get(msg.from)?.node.reportSnapshot(msg.to, 'finish');
    }
    return delivered;
  }

  /** Drops a message in transit, telling the sender when a snapshot was lost. */
  lose(m: Message): void {
    if (m.type === 'MsgSnap' && this.reportSnapshots) this.peers.get(m.from)?.node.reportSnapshot(m.to, 'failure');
  }

  /** Handles Readys and delivers messages until the cluster is quiet. */
  stabilize(maxRounds = 1000): void {
    for (let i = 0; i < maxRounds; i++) {
      let busy = false;
      for (const id of this.peers.keys()) busy = this.handleReady(id) || busy;
      if (this.queue.length > 0) {
        busy = true;
        this.deliver();
      }
      if (!busy) return;
    }
    throw new Error('network did not stabilize');
  }

  tick(id: NodeId, n = 1): void {
    for (let i = 0; i < n; i++) this.node(id).tick();
  }

  /** Ticks every peer once per round for `rounds` rounds, stabilizing after each. */
  tickAll(rounds: number): void {
    for (let i = 0; i < rounds; i++) {
      for (const p of this.peers.values()) p.node.tick();
      this.stabilize();
    }
  }

  /** Campaigns `id` and runs the cluster to quiescence. */
  elect(id: NodeId): void {
    this.stabilize();
    this.node(id).campaign();
    this.stabilize();
  }

  leaders(): NodeId[] {
    return [...this.peers.values()].filter((p) => p.node.status().softState.raftState === 'Leader').map((p) => p.id);
  }

  term(id: NodeId): number {
    return this.node(id).status().hardState.term;
  }

  propose(id: NodeId, data: string): ReturnType<RawNode['propose']> {
    return this.node(id).propose(new TextEncoder().encode(data));
  }
}
