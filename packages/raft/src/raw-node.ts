import { resolveConfig } from './config';
import type { RaftConfig } from './config';
import { ConfigError, ProposalDroppedError, StepRejectedError } from './errors';
import { applyConfChange } from './membership';
import type { ProgressStateType } from './progress';
import { Raft } from './raft';
import type { ConfChange, ConfState, Entry, HardState, Message, NodeId, Ready, SnapshotStatus, SoftState } from './types';
import { NONE, encodeConfChange, hardStateEqual, isEmptyHardState, isLocalMessage, isResponseMessage, message } from './types';

export type { RaftConfig } from './config';

/** A copy of the leader's view of one peer, for status and debugging. */
export interface Progress {
  match: number;
  next: number;
  state: ProgressStateType;
  pendingSnapshot: number;
  recentActive: boolean;
  isLearner: boolean;
  /** MsgApp currently in flight (Replicate state). */
  inflights: number;
}

/** What status() reports without the membership and the leader's progress (cheap: no copies of those). */
export interface BasicStatus {
  id: NodeId;
  hardState: HardState;
  softState: SoftState;
  applied: number;
  leadTransferee: NodeId;
}

export interface Status extends BasicStatus {
  confState: ConfState;
  /** Only on the leader. */
  progress?: Map<NodeId, Progress>;
}

/**
 * The public face of the Raft core (docs/raft-api.md). It wraps the state machine and turns its
 * pending output into Ready values. It is synchronous and does no I/O: the driver ticks it, feeds
 * it messages, and handles each Ready in the order its doc comment gives (persist, send, apply,
 * advance).
 *
 * Everything produced before ready() is in that Ready, and a message is never handed out before
 * the entries or hard state it depends on: both leave in the same Ready, persisted first (a
 * leader's replication messages excepted, see ReadyOrder: they depend on nothing durable on the
 * leader). Output produced after ready() (even before advance) waits for the next Ready.
 */
export class RawNode {
  private readonly raft: Raft;
  private prevSoftState: SoftState;
  private prevHardState: HardState;

  constructor(config: RaftConfig) {
    this.raft = new Raft(resolveConfig(config));
    this.prevSoftState = this.raft.softState();
    // A restarted node reports its hard state only when it changes; a new node's first Ready
    // reports the first non-empty one.
    this.prevHardState = this.raft.hardState();
  }

  /**
   * Founds a new cluster: one committed AddNode entry per peer at term 1, already applied to the
   * membership. They appear in the first Ready as entries to persist and as committed entries
   * (applying them again is a no-op). Throws ConfigError on a non-empty storage.
   */
  bootstrap(peers: NodeId[]): void {
    if (peers.length === 0) throw new ConfigError('bootstrap needs at least one peer');
    const r = this.raft;
    if (r.raftLog.storage.lastIndex() !== 0 || r.raftLog.lastIndex() !== 0) {
      throw new ConfigError('cannot bootstrap a non-empty storage');
    }
    // Term 1 so that the entries are of a term no election has reached yet.
    r.becomeFollower(1, NONE);
    const ents: Entry[] = peers.map((id, i) => ({
      term: 1,
      index: i + 1,
      type: 'ConfChange',
      data: encodeConfChange({ type: 'AddNode', nodeId: id }),
    }));
    r.raftLog.append(ents);
    // Every founding member holds these same entries, so they are committed everywhere.
    r.raftLog.committed = ents.length;
    for (const id of peers) applyConfChange(r, { type: 'AddNode', nodeId: id });
  }

  /**
   * Advances logical time by one tick. The driver calls it at a fixed interval; all timeouts
   * (election, heartbeat, check-quorum, transfer) are counted in ticks, never read from a clock.
   */
  tick(): void {
    this.raft.tick();
  }

  /** Starts an election now (with pre-vote if configured). */
  campaign(): void {
    this.raft.step(message({ type: 'MsgHup' }));
  }

  /**
   * Proposes a command. null means accepted for replication, not committed: the proposer learns
   * the outcome by seeing the entry among committed entries (a leader change may still lose it).
   */
  propose(data: Uint8Array): ProposalDroppedError | null {
    return this.proposeBatch([data]);
  }

  /**
   * Proposes several commands as one MsgProp: they are appended in this order, and a follower
   * forwards them to the leader in one message. All are accepted or all are dropped.
   */
  proposeBatch(data: readonly Uint8Array[]): ProposalDroppedError | null {
    if (data.length === 0) return null;
    const r = this.raft;
    const entries: Entry[] = data.map((d) => ({ term: 0, index: 0, type: 'Normal', data: d }));
    return r.step(message({ type: 'MsgProp', from: r.id, entries }));
  }

  /** Proposes a single-server change; dropped while another is pending (see errors.ts). */
  proposeConfChange(cc: ConfChange): ProposalDroppedError | null {
    const r = this.raft;
    const data = encodeConfChange(cc);
    return r.step(message({ type: 'MsgProp', from: r.id, entries: [{ term: 0, index: 0, type: 'ConfChange', data }] }));
  }

  /** Call when a ConfChange entry is applied; returns the resulting membership. */
  applyConfChange(cc: ConfChange): ConfState {
    return applyConfChange(this.raft, cc);
  }

  /**
   * Feeds a message from the network. Local message types are refused, and so are responses
   * from peers outside the configuration (a removed node's late answers must not count).
   */
  step(m: Message): StepRejectedError | ProposalDroppedError | null {
    if (isLocalMessage(m.type)) return new StepRejectedError(`${m.type} is a local message`);
    if (isResponseMessage(m.type) && !this.raft.trk.progress.has(m.from)) {
      return new StepRejectedError(`${m.type} from unknown peer ${m.from}`);
    }
    return this.raft.step(m);
  }

  /** Whether ready() would return anything; the same conditions ready() uses, without side effects. */
  hasReady(): boolean {
    const r = this.raft;
    if (!softStateEqual(r.softState(), this.prevSoftState)) return true;
    const hs = r.hardState();
    if (!isEmptyHardState(hs) && !hardStateEqual(hs, this.prevHardState)) return true;
    if (r.raftLog.nextUnstableSnapshot() !== undefined) return true;
    if (r.msgs.length > 0 || r.readStates.length > 0) return true;
    return r.raftLog.hasNextUnstableEntries() || r.raftLog.hasNextCommittedEntries();
  }

  /** Everything to persist, send and apply since the last Ready; handle it as Ready's doc says. */
  ready(): Ready {
    const r = this.raft;
    const log = r.raftLog;
    const entries = log.nextUnstableEntries();
    const committedEntries = log.nextCommittedEntries();
    const snapshot = log.nextUnstableSnapshot();
    // Committed entries may include entries of `entries` (a follower learns commit together
    // with the entries). They may be applied before this node's copy is durable: committed
    // means durable on a quorum, and applied state is rebuilt from the log after a crash. A
    // leader never commits entries it has not persisted: its own copy counts only after advance().
    const rd: Ready = { readStates: r.readStates, entries, committedEntries, messages: r.msgs, mustSync: false };
    const ss = r.softState();
    if (!softStateEqual(ss, this.prevSoftState)) {
      rd.softState = ss;
      this.prevSoftState = ss;
    }
    const hs = r.hardState();
    if (!isEmptyHardState(hs) && !hardStateEqual(hs, this.prevHardState)) {
      rd.hardState = hs;
    }
    if (snapshot !== undefined) rd.snapshot = snapshot;
    // A vote or term must be durable before any message vouching for it leaves, and so must
    // entries before they are acknowledged. A commit index alone can be recovered, so a change
    // of it alone needs no fsync. A snapshot replaces the log and is always synced.
    rd.mustSync =
      entries.length > 0 ||
      snapshot !== undefined ||
      hs.term !== this.prevHardState.term ||
      hs.vote !== this.prevHardState.vote;
    if (rd.hardState !== undefined) this.prevHardState = hs;

    // From here on, this output belongs to the Ready being handled.
    r.msgs = [];
    r.readStates = [];
    log.acceptUnstable();
    const lastCommitted = committedEntries[committedEntries.length - 1];
    if (lastCommitted !== undefined) log.acceptApplying(lastCommitted.index);
    return rd;
  }

  /**
   * The Ready was persisted, sent and applied: its entries leave the unstable log (they are read
   * from Storage from now on) and `applied` moves. Entries replaced since ready() stay unstable
   * because stableTo checks the term.
   *
   * Calling advance(rd) is also the statement that rd.entries are durable: a leader counts its
   * own copy of them toward commitment only from here (never when it appends them), which is
   * what allows the driver to send a leader's MsgApp before its own write completes (thesis
   * §10.2.1). If that moves the commit index, the new index is broadcast in the next Ready,
   * and a single-voter group's next Ready carries the entries as committed.
   */
  advance(rd: Ready): void {
    const log = this.raft.raftLog;
    const lastEntry = rd.entries[rd.entries.length - 1];
    if (lastEntry !== undefined) {
      log.stableTo(lastEntry.index, lastEntry.term);
      // This is the acknowledgement of the leader's own write: only now does its copy count.
      this.raft.ownEntriesDurable();
    }
    if (rd.snapshot !== undefined) log.stableSnapTo(rd.snapshot.metadata.index);
    const lastCommitted = rd.committedEntries[rd.committedEntries.length - 1];
    if (lastCommitted !== undefined) {
      if (lastCommitted.index > log.applied) log.appliedTo(lastCommitted.index);
    } else if (rd.snapshot !== undefined && rd.snapshot.metadata.index > log.applied) {
      log.appliedTo(rd.snapshot.metadata.index);
    }
  }

  /**
   * The application applied the committed entries handed out in Readys up to `index`.
   * advance() reports this as well; a driver that applies a Ready's committed entries before
   * the Ready (or an earlier one) is durable reports it here first, so that the core does not
   * hold back a configuration change or a campaign behind entries that are already applied.
   */
  appliedTo(index: number): void {
    const log = this.raft.raftLog;
    if (index > log.applied) log.appliedTo(index);
  }

  /** Asks the leader to hand leadership to `transferee` (thesis §3.10). */
  transferLeadership(transferee: NodeId): void {
    this.raft.step(message({ type: 'MsgTransferLeader', from: transferee }));
  }

  /** Requests a linearizable read point (§6.4); the answer is a ReadState with `ctx` in a later Ready. */
  readIndex(ctx: Uint8Array): void {
    this.raft.step(message({ type: 'MsgReadIndex', context: ctx }));
  }

  /** The transport failed to reach `id`; a leader stops pipelining to it and probes instead. */
  reportUnreachable(id: NodeId): void {
    this.raft.step(message({ type: 'MsgUnreachable', from: id }));
  }

  /**
   * The transport finished (or failed) sending a snapshot to `id`. Until this is called the
   * leader sends `id` nothing but heartbeats; on failure it retries after a heartbeat.
   */
  reportSnapshot(id: NodeId, status: SnapshotStatus): void {
    this.raft.step(message({ type: 'MsgSnapStatus', from: id, reject: status === 'failure' }));
  }

  /**
   * Term, vote, commit, role and leader, without status()'s copies of the membership and of the
   * leader's view of every peer: for callers on every request (etcd's BasicStatus).
   */
  basicStatus(): BasicStatus {
    const r = this.raft;
    return { id: r.id, hardState: r.hardState(), softState: r.softState(), applied: r.raftLog.applied, leadTransferee: r.leadTransferee };
  }

  /** A copy of the node's state; safe to keep and compare. */
  status(): Status {
    const r = this.raft;
    const s: Status = { ...this.basicStatus(), confState: r.trk.confState() };
    if (r.state === 'Leader') {
      s.progress = new Map();
      r.trk.visit((id, pr) => {
        s.progress?.set(id, {
          match: pr.match,
          next: pr.next,
          state: pr.state,
          pendingSnapshot: pr.pendingSnapshot,
          recentActive: pr.recentActive,
          isLearner: pr.isLearner,
          inflights: pr.inflights.count,
        });
      });
    }
    return s;
  }
}

function softStateEqual(a: SoftState, b: SoftState): boolean {
  return a.lead === b.lead && a.raftState === b.raftState;
}
