import type { Rng } from '@kubemu/base';
import { silentLogger } from '@kubemu/base';
import type { ConfState, Entry, HardState, Message, NodeId, Ready, Snapshot } from '@kubemu/raft';
import { MemoryStorage, RawNode, ReadyOrder, cloneConfState, decodeConfChange, isEmptyHardState, isEmptySnapshot } from '@kubemu/raft';
import type { Checker, ElectorView, LogView } from './checkers';
import type { SimConfig } from './config';
import { AppliedList, entryKey } from './state-machine';
import type { Trace } from './trace';

/**
 * Where a crash interrupts the handling of a Ready, which mirrors RaftNodeDriver: a leader's
 * early messages (ReadyOrder), persist, the other messages, apply, advance. 'before-persist'
 * is the leader whose MsgApp went out but whose own write never started: it loses those
 * entries on restart, the case that is safe only because the leader counts its own copy after
 * advance. 'mid-persist' is a torn write: a prefix of the entries reached the disk, the hard
 * state did not. 'mid-send' lets a random subset of the (late) messages out.
 */
export type CrashPoint = 'before-persist' | 'mid-persist' | 'after-persist' | 'mid-send' | 'after-send' | 'mid-apply' | 'after-apply';

export const CRASH_POINTS: readonly CrashPoint[] = [
  'before-persist',
  'mid-persist',
  'after-persist',
  'mid-send',
  'after-send',
  'mid-apply',
  'after-apply',
];

/** What a node needs from the simulation around it. */
export interface NodeEnv {
  readonly checker: Checker;
  readonly trace: Trace;
  readonly logger: ReturnType<typeof silentLogger>;
  now(): number;
  send(from: SimNode, msgs: readonly Message[]): void;
  /** A read request issued on this node got its read point. */
  readState(node: SimNode, ctx: Uint8Array, index: number): void;
  /** The node applied the entry of `key` at `index` (clients are answered from here). */
  applied(node: SimNode, index: number, key: string): void;
}

/**
 * One member of the simulated group. The MemoryStorage is its disk: it survives crashes and holds
 * only what was written, minus a trailing write that was never fsynced. Everything else (the
 * RawNode, the applied state machine, the ConfState) is volatile and rebuilt on restart from the
 * disk, re-applying committed entries from the last snapshot, as a real server would.
 */
export class SimNode {
  readonly disk = new MemoryStorage();
  /** The hard state as of the last fsync; a crash reverts an unsynced hard state to it. */
  private syncedHardState: HardState = { term: 0, vote: 0, commit: 0 };
  raw: RawNode | undefined;
  /** Which of a Ready's messages go out before its persist; rebuilt with the RawNode. */
  private order = new ReadyOrder(0, 'Follower', 0);
  incarnation = 0;
  state = new AppliedList();
  private confState: ConfState = { voters: [], learners: [] };
  /** A founding member bootstraps the group on an empty disk; a joining node starts empty. */
  readonly founder: boolean;
  /** Removed from the group and shut down for good. */
  retired = false;
  crashes = 0;
  /** Crashes in the middle of handling a Ready. */
  readyCrashes = 0;
  /** Snapshots received from a leader and installed. */
  restores = 0;

  constructor(
    readonly id: NodeId,
    private readonly peers: readonly NodeId[],
    private readonly config: SimConfig,
    private readonly env: NodeEnv,
  ) {
    this.founder = peers.length > 0;
  }

  get up(): boolean {
    return this.raw !== undefined;
  }

  /** Starts (or restarts) the node from its disk; a node whose disk is empty founds the group. */
  start(rng: Rng): void {
    this.incarnation++;
    const snap = this.disk.snapshot();
    const raw = new RawNode({
      id: this.id,
      electionTick: this.config.electionTick,
      heartbeatTick: this.config.heartbeatTick,
      storage: this.disk,
      rng,
      applied: snap.metadata.index,
      maxSizePerMsg: this.config.maxSizePerMsg,
      maxInflightMsgs: this.config.maxInflightMsgs,
      checkQuorum: this.config.checkQuorum,
      preVote: this.config.preVote,
      logger: this.env.logger,
    });
    const st = raw.status();
    this.order = new ReadyOrder(this.id, st.softState.raftState, st.hardState.term);
    if (this.founder && this.diskEmpty()) raw.bootstrap([...this.peers]);
    this.raw = raw;
    this.state = new AppliedList();
    this.confState = cloneConfState(snap.metadata.confState);
    if (!isEmptySnapshot(snap)) this.restore(snap);
  }

  /** Loses everything volatile, and the last write if it was not fsynced. */
  crash(): void {
    this.raw = undefined;
    this.crashes++;
    this.disk.setHardState(this.syncedHardState);
    this.state = new AppliedList();
  }

  leaderTerm(): number | undefined {
    return this.leadership()?.term;
  }

  /** Term and commit index while this node is a leader. */
  leadership(): { term: number; commit: number } | undefined {
    const st = this.raw?.status();
    if (st === undefined || st.softState.raftState !== 'Leader') return undefined;
    return { term: st.hardState.term, commit: st.hardState.commit };
  }

  /**
   * Handles every pending Ready in the documented order. `crashAt` interrupts the first one;
   * returns false if the node crashed.
   */
  handleReady(rng: Rng, crashAt: CrashPoint | undefined): boolean {
    let crash = crashAt;
    while (this.raw !== undefined && this.raw.hasReady()) {
      const raw = this.raw;
      this.checkSelfMatch(raw);
      const rd = raw.ready();
      const { early, late } = this.order.split(rd);
      // As the driver does: a leader's replication traffic leaves while its own write is in flight.
      if (early.length > 0) this.env.send(this, early);
      // The founding write is atomic (etcd creates its WAL by renaming a finished directory), and a
      // snapshot is written and fsynced before the hard state that points past it.
      if ((crash === 'mid-persist' || crash === 'before-persist') && (this.diskEmpty() || !isEmptySnapshot(rd.snapshot))) {
        crash = 'after-persist';
      }
      if (crash === 'before-persist') return this.crashNow(crash);
      this.persist(rd, crash === 'mid-persist' ? rng : undefined);
      if (crash === 'mid-persist' || crash === 'after-persist') return this.crashNow(crash);
      const msgs = crash === 'mid-send' ? late.filter(() => rng.chance(0.5)) : late;
      if (msgs.length > 0) this.env.send(this, msgs);
      if (crash === 'mid-send' || crash === 'after-send') return this.crashNow(crash);
      for (const rs of rd.readStates) this.env.readState(this, rs.requestCtx, rs.index);
      const applyCount = crash === 'mid-apply' ? rng.int(rd.committedEntries.length + 1) : rd.committedEntries.length;
      this.apply(rd, applyCount);
      if (crash === 'mid-apply' || crash === 'after-apply') return this.crashNow(crash);
      raw.advance(rd);
      crash = undefined;
    }
    return this.raw !== undefined;
  }

  /** The application's periodic snapshot and log compaction, an fsync point of its own. */
  compact(keep: number): void {
    const applied = this.state.lastIndex;
    const snapIndex = this.disk.snapshot().metadata.index;
    if (applied <= snapIndex || applied > this.disk.lastIndex()) return;
    this.disk.createSnapshot(applied, this.confState, this.state.serialize(applied));
    const compactIndex = applied - keep;
    if (compactIndex >= this.disk.firstIndex()) this.disk.compact(compactIndex);
    this.syncedHardState = this.disk.initialState().hardState;
    this.env.trace.event(this.env.now(), 'compact', this.id, applied, compactIndex);
  }

  electorView(): ElectorView {
    const disk = this.disk;
    const last = disk.lastIndex();
    return {
      id: this.id,
      lastIndex: last,
      lastTerm: disk.term(last),
      snapshotIndex: disk.firstIndex() - 1,
      termAt: (i) => (i > last ? undefined : disk.term(i)),
    };
  }

  logView(): LogView {
    const first = this.disk.firstIndex();
    return {
      snapshotIndex: first - 1,
      snapshotTerm: this.disk.term(first - 1),
      entries: this.disk.entries(first, this.disk.lastIndex() + 1, Infinity),
    };
  }

  /** What the leader counts for itself must already be on its disk (see ReadyOrder). */
  private checkSelfMatch(raw: RawNode): void {
    const st = raw.status();
    const match = st.progress?.get(this.id)?.match;
    if (match !== undefined) this.env.checker.observeLeaderSelfMatch(this.id, st.hardState.term, match, this.disk.lastIndex());
  }

  private crashNow(point: CrashPoint): false {
    this.readyCrashes++;
    this.env.trace.event(this.env.now(), 'crash', this.id, CRASH_POINTS.indexOf(point));
    this.crash();
    return false;
  }

  private diskEmpty(): boolean {
    return this.disk.lastIndex() === 0 && isEmptyHardState(this.disk.initialState().hardState);
  }

  /** Step 1: make the Ready durable. With `tornRng` only a prefix of the entries is written. */
  private persist(rd: Ready, tornRng: Rng | undefined): void {
    const { checker } = this.env;
    const prev = this.disk.initialState().hardState;
    const hs = rd.hardState;
    const durableChange = rd.entries.length > 0 || (hs !== undefined && (hs.term !== prev.term || hs.vote !== prev.vote));
    if (!rd.mustSync && durableChange) {
      checker.fail('core-error', `node ${this.id}: Ready has entries or a new term/vote but mustSync=false`);
    }
    if (rd.snapshot !== undefined && !isEmptySnapshot(rd.snapshot)) this.persistSnapshot(rd.snapshot);
    const entries = tornRng === undefined ? rd.entries : rd.entries.slice(0, tornRng.int(rd.entries.length + 1));
    if (entries.length > 0) this.persistEntries(entries);
    if (tornRng !== undefined) return;
    if (hs !== undefined) {
      this.disk.setHardState(hs);
      checker.observeHardState(this.id, hs, this.disk.lastIndex());
    }
    // etcd fsyncs when mustSync, and always when it saves a snapshot; an fsync covers every
    // earlier write, so the synced hard state is then the current one.
    if (rd.mustSync || (rd.snapshot !== undefined && !isEmptySnapshot(rd.snapshot))) {
      this.syncedHardState = this.disk.initialState().hardState;
    }
  }

  private persistSnapshot(snap: Snapshot): void {
    const dropped = this.logView().entries.filter((e) => e.index > snap.metadata.index);
    this.env.checker.observeAppend(this.id, [], snap.metadata.term, dropped);
    this.disk.applySnapshot(snap);
  }

  private persistEntries(entries: readonly Entry[]): void {
    const first = (entries[0] as Entry).index;
    const oldLast = this.disk.lastIndex();
    const truncated: Entry[] = [];
    const lo = Math.max(first, this.disk.firstIndex());
    if (lo <= oldLast) {
      for (const old of this.disk.entries(lo, oldLast + 1, Infinity)) {
        const replacement = entries[old.index - first];
        if (replacement === undefined || replacement.term !== old.term) truncated.push(old);
      }
    }
    this.disk.append([...entries]);
    const kept = entries.filter((e) => e.index >= this.disk.firstIndex());
    if (kept.length === 0) return;
    const prevTerm = this.disk.term((kept[0] as Entry).index - 1);
    this.env.checker.observeAppend(this.id, kept, prevTerm, truncated);
  }

  /** Step 3: apply the snapshot, then the first `count` committed entries. */
  private apply(rd: Ready, count: number): void {
    if (rd.snapshot !== undefined && !isEmptySnapshot(rd.snapshot)) {
      this.restores++;
      this.restore(rd.snapshot);
    }
    const raw = this.raw as RawNode;
    for (let k = 0; k < count; k++) {
      const e = rd.committedEntries[k] as Entry;
      if (e.index !== this.state.lastIndex + 1) {
        this.env.checker.fail('core-error', `node ${this.id} asked to apply ${e.index} after ${this.state.lastIndex}`);
        return;
      }
      const key = entryKey(e);
      this.state.apply(e.index, key);
      this.env.checker.observeApply(this.id, e.index, key);
      if (e.type === 'ConfChange') this.confState = raw.applyConfChange(decodeConfChange(e.data));
      this.env.applied(this, e.index, key);
    }
  }

  /**
   * Replaces the state machine with a snapshot's. The entries it brings count as applied here:
   * they are checked, and they answer this node's waiting clients as applying them one by one would.
   */
  private restore(snap: Snapshot): void {
    const before = this.state.lastIndex;
    this.state.restore(snap.data, snap.metadata.index);
    this.confState = cloneConfState(snap.metadata.confState);
    const keys = this.state.all();
    for (let i = 0; i < keys.length; i++) {
      this.env.checker.observeApply(this.id, i + 1, keys[i] as string);
      if (i >= before) this.env.applied(this, i + 1, keys[i] as string);
    }
    this.env.trace.event(this.env.now(), 'restore', this.id, snap.metadata.index, snap.metadata.term);
  }
}
