import type { Logger, Rng } from '@kubemu/base';
import type { ResolvedConfig } from './config';
import { handleVoteRequest, hup, ignoredByLease } from './election';
import type { ProposalDroppedError } from './errors';
import { switchToConfig } from './membership';
import { RaftLog } from './raft-log';
import { ReadOnly } from './read-only';
import { stepCandidate, stepFollower, tickElection } from './step-follower';
import { commitAdvanced, stepLeader, tickHeartbeat } from './step-leader';
import { ProgressTracker } from './tracker';
import type { Entry, HardState, Message, NodeId, ReadState, SoftState, StateType } from './types';
import { NONE, isEmptyHardState, message } from './types';

/** A role's message handler; only MsgProp handling can refuse, with ProposalDroppedError. */
export type StepFn = (r: Raft, m: Message) => ProposalDroppedError | null;
export type TickFn = (r: Raft) => void;

/**
 * One Raft peer's state machine. It never does I/O: messages go to `msgs`, read answers to
 * `readStates`, and log changes to `raftLog`, and RawNode turns them into a Ready.
 *
 * The role is a pair of functions (stepFn, tickFn) installed by the become* methods; code that
 * is the same for every role (term bookkeeping, voting) lives in step() here.
 *
 * Invariants:
 * - `term` only grows; `vote` is the candidate voted for in `term` (at most one per term, §5.2)
 *   and is persisted (HardState) before the vote is sent, which the Ready order guarantees.
 * - `lead` is a node this one has heard from as leader in `term`, or NONE.
 * - In Leader state the tracker holds progress for every member and this node's match is its
 *   own last DURABLE index (advance() moves it), never an entry only in memory: the driver may
 *   send entries before the leader's own write of them completes (§10.2.1).
 */
export class Raft {
  readonly id: NodeId;
  term = 0;
  vote: NodeId = NONE;
  lead: NodeId = NONE;
  state: StateType = 'Follower';
  isLearner = false;
  readonly raftLog: RaftLog;
  trk: ProgressTracker;
  /** Outgoing messages, handed out by the next Ready after the state they depend on. */
  msgs: Message[] = [];
  /** Answered read requests (§6.4), handed out by the next Ready. */
  readStates: ReadState[] = [];
  /** The node a leadership transfer is handing over to, or NONE. */
  leadTransferee: NodeId = NONE;
  /**
   * Index of the latest conf change the leader may have appended. While applied < this, a new
   * conf change is refused: one single-server change at a time keeps any two consecutive
   * configurations' majorities overlapping (§6).
   */
  pendingConfIndex = 0;
  readOnly: ReadOnly;
  /** ReadIndex requests held back until the leader commits an entry of its term (§6.4 step 1). */
  pendingReadIndexMessages: Message[] = [];
  /** Ticks since the last election timeout reset (leader: since the last check-quorum round). */
  electionElapsed = 0;
  heartbeatElapsed = 0;
  /** Drawn from [electionTimeout, 2*electionTimeout) so that split votes resolve (§5.2). */
  randomizedElectionTimeout = 0;
  readonly checkQuorum: boolean;
  readonly preVote: boolean;
  readonly heartbeatTimeout: number;
  readonly electionTimeout: number;
  readonly disableProposalForwarding: boolean;
  readonly maxMsgSize: number;
  readonly logger: Logger;
  private readonly rng: Rng;
  private stepFn: StepFn = stepFollower;
  private tickFn: TickFn = tickElection;

  constructor(c: ResolvedConfig) {
    this.id = c.id;
    this.raftLog = new RaftLog(c.storage, c.maxCommittedSizePerReady);
    this.checkQuorum = c.checkQuorum;
    this.preVote = c.preVote;
    this.heartbeatTimeout = c.heartbeatTick;
    this.electionTimeout = c.electionTick;
    this.disableProposalForwarding = c.disableProposalForwarding;
    this.maxMsgSize = c.maxSizePerMsg;
    this.logger = c.logger;
    this.rng = c.rng;
    this.readOnly = new ReadOnly(c.readOnlyOption);
    // Restart: term, vote and commit come from the durable HardState, the configuration from
    // the latest snapshot; conf changes after the snapshot are re-applied by the application
    // as it re-applies committed entries (from `applied` on), exactly as the first time.
    const { hardState, confState } = c.storage.initialState();
    this.trk = ProgressTracker.fromConfState(confState, c.maxInflightMsgs, this.raftLog.lastIndex());
    if (!isEmptyHardState(hardState)) this.loadState(hardState);
    if (c.applied > this.raftLog.applied) this.raftLog.appliedTo(c.applied);
    this.becomeFollower(this.term, NONE);
    switchToConfig(this);
  }

  /** What must be durable: the term and vote make §5.2's one-vote-per-term survive a crash. */
  hardState(): HardState {
    return { term: this.term, vote: this.vote, commit: this.raftLog.committed };
  }

  softState(): SoftState {
    return { lead: this.lead, raftState: this.state };
  }

  tick(): void {
    this.tickFn(this);
  }

  /**
   * Queues a message. Term rules: vote traffic carries an explicit term (a pre-vote is sent for
   * a term not yet entered); forwarded proposals and read requests carry none, so that they
   * pass through the receiver's term checks as if local; everything else carries ours.
   */
  send(m: Message): void {
    if (m.from === NONE) m.from = this.id;
    if (m.type === 'MsgVote' || m.type === 'MsgVoteResp' || m.type === 'MsgPreVote' || m.type === 'MsgPreVoteResp') {
      if (m.term === 0) throw new Error(`raft: term must be set when sending ${m.type}`);
    } else if (m.type !== 'MsgProp' && m.type !== 'MsgReadIndex') {
      m.term = this.term;
    }
    this.msgs.push(m);
  }

  // ---- role changes ----

  /**
   * Every role change resets the timers and per-term state (reset); a change of term also
   * clears the vote. `lead` is the leader of `term` if known (we just heard from it).
   */
  becomeFollower(term: number, lead: NodeId): void {
    this.stepFn = stepFollower;
    this.reset(term);
    this.tickFn = tickElection;
    this.lead = lead;
    this.state = 'Follower';
    this.logger.debug('became follower', { id: this.id, term, lead });
  }

  /**
   * §9.6 pre-vote: ask whether we could win before disturbing anyone. Neither term nor vote
   * changes, so a node cut off from the cluster does not come back with an inflated term that
   * would depose a healthy leader.
   */
  becomePreCandidate(): void {
    if (this.state === 'Leader') throw new Error('raft: invalid transition [leader -> pre-candidate]');
    this.stepFn = stepCandidate;
    this.trk.resetVotes();
    this.tickFn = tickElection;
    this.lead = NONE;
    this.state = 'PreCandidate';
  }

  /** §5.2: a candidate increments its term and votes for itself. */
  becomeCandidate(): void {
    if (this.state === 'Leader') throw new Error('raft: invalid transition [leader -> candidate]');
    this.stepFn = stepCandidate;
    this.reset(this.term + 1);
    this.tickFn = tickElection;
    this.vote = this.id;
    this.state = 'Candidate';
    this.logger.debug('became candidate', { id: this.id, term: this.term });
  }

  becomeLeader(): void {
    if (this.state === 'Follower') throw new Error('raft: invalid transition [follower -> leader]');
    this.stepFn = stepLeader;
    this.reset(this.term);
    this.tickFn = tickHeartbeat;
    this.lead = this.id;
    this.state = 'Leader';
    const self = this.trk.progress.get(this.id);
    if (self) {
      // The leader's own log is trivially in sync with itself.
      self.becomeReplicate();
      self.recentActive = true;
    }
    // Any entry past our commit index may be a conf change we do not know is applied yet; be
    // conservative and refuse new conf changes until everything we hold is applied.
    this.pendingConfIndex = this.raftLog.lastIndex();
    // §5.4.2 / §8: an empty entry of the new term lets the leader commit (and so learn the commit
    // index of) everything before it, since earlier-term entries only commit indirectly.
    this.appendEntry([{ term: 0, index: 0, type: 'Normal', data: new Uint8Array(0) }]);
    this.logger.debug('became leader', { id: this.id, term: this.term });
  }

  /**
   * Per-term reset. A new election timeout is drawn each time so that nodes whose timers fired
   * together once do not stay in lockstep (§5.2). Progress is reset to optimism: a new leader
   * assumes followers hold its whole log and lets rejections correct it (§5.3).
   */
  private reset(term: number): void {
    if (this.term !== term) {
      this.term = term;
      this.vote = NONE;
    }
    this.lead = NONE;
    this.electionElapsed = 0;
    this.heartbeatElapsed = 0;
    this.randomizedElectionTimeout = this.electionTimeout + this.rng.int(this.electionTimeout);
    this.abortLeaderTransfer();
    this.trk.resetVotes();
    const last = this.raftLog.lastIndex();
    // Our own match is what is durable, not what is in memory: entries handed out in a Ready
    // that has not been advanced yet may still be lost in a crash (see ownEntriesDurable).
    const durable = this.raftLog.durableLastIndex();
    this.trk.visit((id, pr) => {
      pr.reset(last + 1);
      if (id === this.id) pr.match = durable;
    });
    this.pendingConfIndex = 0;
    // Read requests belong to a leadership; a new term drops them and clients retry.
    this.readOnly = new ReadOnly(this.readOnly.option);
    this.pendingReadIndexMessages = [];
  }

  // ---- election timing (§5.2; the elections themselves are in election.ts) ----

  /** Whether this node may campaign: a voter in its own config, with no snapshot pending. */
  promotable(): boolean {
    const pr = this.trk.progress.get(this.id);
    return pr !== undefined && !pr.isLearner && !this.raftLog.hasNextOrInProgressSnapshot();
  }

  pastElectionTimeout(): boolean {
    return this.electionElapsed >= this.randomizedElectionTimeout;
  }

  // ---- the message entry point ----

  /**
   * The single entry point for messages, network and local. First the term: §5.1 says a node
   * that sees a higher term adopts it and becomes follower, and ignores messages of older terms.
   * Pre-vote traffic is the exception in both directions (§9.6). Messages without a term
   * (local ones, forwarded proposals and reads) skip this. Then vote requests, which every role
   * answers the same way, and finally the role's own handler.
   */
  step(m: Message): ProposalDroppedError | null {
    if (m.term > this.term) {
      if (ignoredByLease(this, m)) return null;
      if (m.type === 'MsgPreVote') {
        // §9.6: never change term in answer to a pre-vote.
      } else if (m.type === 'MsgPreVoteResp' && !m.reject) {
        // A granted pre-vote carries the term we asked about; we enter it only on winning. A
        // rejection's higher term is real and makes us a follower below.
      } else if (m.type === 'MsgApp' || m.type === 'MsgHeartbeat' || m.type === 'MsgSnap') {
        // §5.1: a higher term wins; these come from that term's leader.
        this.becomeFollower(m.term, m.from);
      } else {
        this.becomeFollower(m.term, NONE);
      }
    } else if (m.term !== 0 && m.term < this.term) {
      this.stepStale(m);
      return null;
    }

    switch (m.type) {
      case 'MsgHup':
        hup(this, this.preVote ? 'PreElection' : 'Election');
        return null;
      case 'MsgVote':
      case 'MsgPreVote':
        handleVoteRequest(this, m);
        return null;
      default:
        return this.stepFn(this, m);
    }
  }

  /** A message from an older term: ignored, except for replies that keep the cluster live. */
  private stepStale(m: Message): void {
    if ((this.checkQuorum || this.preVote) && (m.type === 'MsgHeartbeat' || m.type === 'MsgApp')) {
      // A leader of an older term is talking to us. Either the message is merely delayed, or we
      // raised our term while cut off and now ignore the leader; with check-quorum or pre-vote
      // our higher-term vote requests may never force the issue, so tell the stale leader our
      // term (it steps down and a fresh election includes us).
      this.send(message({ type: 'MsgAppResp', to: m.from }));
    } else if (m.type === 'MsgPreVote') {
      // Reject explicitly so the pre-candidate learns our term and stops probing.
      this.send(message({ type: 'MsgPreVoteResp', to: m.from, term: this.term, reject: true }));
    }
  }

  // ---- log and commit ----

  /** Appends entries of the current term as leader (not yet counted toward commit: see below). */
  appendEntry(es: Entry[]): void {
    const li = this.raftLog.lastIndex();
    const stamped = es.map((e, i) => ({ ...e, term: this.term, index: li + 1 + i }));
    // Our own copy is NOT counted here: the driver may send these entries to followers while
    // it is still writing them (§10.2.1), so they count toward commitment only once advance()
    // reports them durable (ownEntriesDurable). Otherwise a leader crashing before its write
    // completes could have counted itself in a majority that no longer holds the entry.
    this.raftLog.append(stamped);
  }

  /**
   * advance() reported our log durable up to raftLog.durableLastIndex(). As leader, our own copy
   * now counts toward commitment; a new commit index is broadcast at once so followers do not
   * wait for the next heartbeat to learn it.
   */
  ownEntriesDurable(): void {
    if (this.state !== 'Leader') return;
    const pr = this.trk.progress.get(this.id);
    if (pr === undefined || !pr.maybeUpdate(this.raftLog.durableLastIndex())) return;
    if (this.maybeCommit()) commitAdvanced(this);
  }

  /** §5.3/§5.4.2: advance commit to the majority match, if that entry is of our term. */
  maybeCommit(): boolean {
    return this.raftLog.maybeCommit(this.trk.committed(), this.term);
  }

  /** Until this holds, a new leader's commit index may lag the cluster's (§6.4, §8). */
  committedEntryInCurrentTerm(): boolean {
    return this.raftLog.term(this.raftLog.committed) === this.term;
  }

  /** Transfers end on any role change and on timeout; proposals are accepted again. */
  abortLeaderTransfer(): void {
    this.leadTransferee = NONE;
  }

  /** Restores HardState; a commit index outside the log means storage lost entries it acknowledged. */
  private loadState(hs: HardState): void {
    if (hs.commit < this.raftLog.committed || hs.commit > this.raftLog.lastIndex()) {
      throw new Error(`raft: hard state commit ${hs.commit} is out of range [${this.raftLog.committed}, ${this.raftLog.lastIndex()}]`);
    }
    this.raftLog.committed = hs.commit;
    this.term = hs.term;
    this.vote = hs.vote;
  }
}
