import type { Logger, Rng } from '@kubemu/base';
import type { ResolvedConfig } from './config';
import type { ProposalDroppedError } from './errors';
import { RaftLog } from './raft-log';
import { ReadOnly } from './read-only';
import { bcastAppend, maybeSendAppend } from './replication';
import { stepCandidate, stepFollower, tickElection } from './step-follower';
import { stepLeader, tickHeartbeat } from './step-leader';
import { ProgressTracker } from './tracker';
import type { VoteResult } from './quorum';
import type { ConfChange, ConfState, Entry, HardState, Message, MessageType, NodeId, ReadState, Snapshot, SoftState, StateType } from './types';
import { NONE, isEmptyHardState, message } from './types';

/** Why an election is started: pre-vote probe (§9.6), real election (§5.2), or a leader transfer. */
export type CampaignType = 'PreElection' | 'Election' | 'Transfer';

/**
 * The context of a MsgVote sent because the old leader asked for it (MsgTimeoutNow). Such a vote
 * request is honoured even inside a check-quorum lease: the leader itself wants to be replaced.
 */
export const CAMPAIGN_TRANSFER = new TextEncoder().encode('CampaignTransfer');

export function isTransferContext(ctx: Uint8Array | undefined): boolean {
  if (ctx === undefined || ctx.length !== CAMPAIGN_TRANSFER.length) return false;
  return ctx.every((b, i) => b === CAMPAIGN_TRANSFER[i]);
}

/** A role's message handler; only MsgProp handling can refuse, with ProposalDroppedError. */
export type StepFn = (r: Raft, m: Message) => ProposalDroppedError | null;
export type TickFn = (r: Raft) => void;

function voteRespType(t: MessageType): MessageType {
  return t === 'MsgPreVote' ? 'MsgPreVoteResp' : 'MsgVoteResp';
}

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
 *   own last index.
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
    const { hardState, confState } = c.storage.initialState();
    this.trk = ProgressTracker.fromConfState(confState, c.maxInflightMsgs, this.raftLog.lastIndex());
    if (!isEmptyHardState(hardState)) this.loadState(hardState);
    if (c.applied > this.raftLog.applied) this.raftLog.appliedTo(c.applied);
    this.becomeFollower(this.term, NONE);
    this.switchToConfig();
  }

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
    this.trk.visit((id, pr) => {
      pr.reset(last + 1);
      if (id === this.id) pr.match = last;
    });
    this.pendingConfIndex = 0;
    // Read requests belong to a leadership; a new term drops them and clients retry.
    this.readOnly = new ReadOnly(this.readOnly.option);
    this.pendingReadIndexMessages = [];
  }

  // ---- elections (§5.2, §9.6) ----

  /** Whether this node may campaign: a voter in its own config, with no snapshot pending. */
  promotable(): boolean {
    const pr = this.trk.progress.get(this.id);
    return pr !== undefined && !pr.isLearner && !this.raftLog.hasNextOrInProgressSnapshot();
  }

  pastElectionTimeout(): boolean {
    return this.electionElapsed >= this.randomizedElectionTimeout;
  }

  hup(t: CampaignType): void {
    if (this.state === 'Leader') return;
    if (!this.promotable()) return;
    // A committed but unapplied conf change may remove us or change the quorum; campaigning on
    // the old configuration could elect a leader the new one does not allow (§6).
    if (this.hasUnappliedConfChanges()) {
      this.logger.warn('cannot campaign: pending configuration changes to apply', { id: this.id, term: this.term });
      return;
    }
    this.campaign(t);
  }

  private hasUnappliedConfChanges(): boolean {
    const log = this.raftLog;
    if (log.applied >= log.committed) return false;
    return log.slice(log.applied + 1, log.committed + 1, Infinity).some((e) => e.type === 'ConfChange');
  }

  campaign(t: CampaignType): void {
    let term: number;
    let voteMsg: MessageType;
    if (t === 'PreElection') {
      this.becomePreCandidate();
      voteMsg = 'MsgPreVote';
      // A pre-vote asks about the term we would campaign in, without entering it.
      term = this.term + 1;
    } else {
      this.becomeCandidate();
      voteMsg = 'MsgVote';
      term = this.term;
    }
    if (this.poll(this.id, voteRespType(voteMsg), true) === 'Won') {
      // Only a single-voter cluster wins on its own vote.
      if (t === 'PreElection') this.campaign('Election');
      else this.becomeLeader();
      return;
    }
    const index = this.raftLog.lastIndex();
    const logTerm = this.raftLog.lastTerm();
    for (const id of this.trk.voterIds()) {
      if (id === this.id) continue;
      const m = message({ type: voteMsg, to: id, term, index, logTerm });
      if (t === 'Transfer') m.context = CAMPAIGN_TRANSFER;
      this.send(m);
    }
  }

  poll(id: NodeId, t: MessageType, granted: boolean): VoteResult {
    this.logger.debug('received vote', { id: this.id, from: id, type: t, granted, term: this.term });
    this.trk.recordVote(id, granted);
    return this.trk.tallyVotes().result;
  }

  // ---- the message entry point ----

  step(m: Message): ProposalDroppedError | null {
    if (m.term > this.term) {
      if (m.type === 'MsgVote' || m.type === 'MsgPreVote') {
        // Leader lease (thesis §4.2.3): while we hear from a live leader, a vote request comes
        // from a node that cannot see it (partitioned or removed). Ignoring it keeps that node
        // from deposing the leader; a transfer the leader requested is the exception. With
        // check-quorum this holds for real votes too (a leader that lost its quorum steps down,
        // so the lease cannot block progress). A pre-vote is always refused inside the lease
        // (§9.6): this is what stops a rejoining node from starting a disruptive election even
        // when its log is current.
        const heardFromLeader = this.lead !== NONE && this.electionElapsed < this.electionTimeout;
        const leaseApplies = this.checkQuorum || m.type === 'MsgPreVote';
        if (heardFromLeader && leaseApplies && !isTransferContext(m.context)) return null;
      }
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
        this.hup(this.preVote ? 'PreElection' : 'Election');
        return null;
      case 'MsgVote':
      case 'MsgPreVote':
        this.handleVoteRequest(m);
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

  private handleVoteRequest(m: Message): void {
    // §5.2: one vote per term (a repeated request from the same candidate is re-granted). A
    // pre-vote for a future term is not a vote and binds nothing.
    const canVote =
      this.vote === m.from || (this.vote === NONE && this.lead === NONE) || (m.type === 'MsgPreVote' && m.term > this.term);
    const respType = voteRespType(m.type);
    // §5.4.1: never help elect a leader whose log lacks entries we hold.
    if (canVote && this.raftLog.isUpToDate(m.index, m.logTerm)) {
      // The answer carries the request's term: a pre-candidate counts answers for the term it
      // asked about, and a candidate's term equals ours by now.
      this.send(message({ type: respType, to: m.from, term: m.term }));
      if (m.type === 'MsgVote') {
        this.electionElapsed = 0;
        this.vote = m.from;
      }
    } else {
      this.send(message({ type: respType, to: m.from, term: this.term, reject: true }));
    }
  }

  // ---- log and commit ----

  /** Appends entries of the current term as leader and counts our own copy toward commit. */
  appendEntry(es: Entry[]): void {
    let li = this.raftLog.lastIndex();
    const stamped = es.map((e, i) => ({ ...e, term: this.term, index: li + 1 + i }));
    li = this.raftLog.append(stamped);
    // The leader's own ack: the driver persists these entries before it applies anything that
    // this commit index makes visible (Ready order), so counting them now is safe.
    this.trk.progress.get(this.id)?.maybeUpdate(li);
    this.maybeCommit();
  }

  /** §5.3/§5.4.2: advance commit to the majority match, if that entry is of our term. */
  maybeCommit(): boolean {
    return this.raftLog.maybeCommit(this.trk.committed(), this.term);
  }

  committedEntryInCurrentTerm(): boolean {
    return this.raftLog.term(this.raftLog.committed) === this.term;
  }

  abortLeaderTransfer(): void {
    this.leadTransferee = NONE;
  }

  private loadState(hs: HardState): void {
    if (hs.commit < this.raftLog.committed || hs.commit > this.raftLog.lastIndex()) {
      throw new Error(`raft: hard state commit ${hs.commit} is out of range [${this.raftLog.committed}, ${this.raftLog.lastIndex()}]`);
    }
    this.raftLog.committed = hs.commit;
    this.term = hs.term;
    this.vote = hs.vote;
  }

  /**
   * Installs a snapshot from the leader (§7). Returns false when it brings nothing new: it is
   * at or below our commit index, or our log already holds its last entry (then the entries up
   * to it are committed by Log Matching and we only fast-forward the commit index).
   */
  restore(s: Snapshot): boolean {
    const { index, term, confState } = s.metadata;
    if (index <= this.raftLog.committed) return false;
    if (this.state !== 'Follower') {
      // Only a leader sends snapshots, and it is at least our term; never install one while we
      // could ourselves be leading. Move to a fresh term so the cluster sorts it out.
      this.becomeFollower(this.term + 1, NONE);
      return false;
    }
    // A snapshot whose configuration does not include us would leave us without a config.
    if (!confState.voters.includes(this.id) && !confState.learners.includes(this.id)) return false;
    if (this.raftLog.matchTerm(index, term)) {
      this.raftLog.commitTo(index);
      return false;
    }
    this.raftLog.restore(s);
    this.trk = ProgressTracker.fromConfState(confState, this.trk.maxInflight, this.raftLog.lastIndex());
    this.switchToConfig();
    return true;
  }

  // ---- membership (§6) ----

  applyConfChange(cc: ConfChange): ConfState {
    this.trk.apply(cc, this.raftLog.lastIndex());
    return this.switchToConfig();
  }

  /** Reacts to a new configuration; called after every change to the tracker's membership. */
  switchToConfig(): ConfState {
    const cs = this.trk.confState();
    const self = this.trk.progress.get(this.id);
    this.isLearner = self?.isLearner ?? false;
    if ((self === undefined || this.isLearner) && this.state === 'Leader') {
      // A leader removed from (or demoted in) the configuration stops leading: it may not count
      // itself toward quorums it is no longer part of. The rest elect a new leader.
      this.becomeFollower(this.term, NONE);
      return cs;
    }
    if (this.state !== 'Leader' || cs.voters.length === 0) return cs;
    // A smaller quorum may already hold entries that the old one did not.
    if (this.maybeCommit()) {
      bcastAppend(this);
    } else {
      // Otherwise probe new members straight away instead of waiting for a heartbeat.
      this.trk.visit((id) => {
        if (id !== this.id) maybeSendAppend(this, id, false);
      });
    }
    if (this.leadTransferee !== NONE && !this.trk.voters.has(this.leadTransferee)) this.abortLeaderTransfer();
    return cs;
  }
}
