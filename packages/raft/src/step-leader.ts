import { ProposalDroppedError } from './errors';
import type { Raft } from './raft';
import { bcastAppend, bcastHeartbeat, bcastHeartbeatWithCtx, maybeSendAppend, sendAppend, sendTimeoutNow } from './replication';
import { voteResult } from './quorum';
import type { Message } from './types';
import { NONE, message } from './types';

/**
 * The leader's role: it alone appends new entries (§5.3), decides commitment (§5.4.2), answers
 * ReadIndex (§6.4), and runs leadership transfers. Invariants while this role is installed:
 * - every proposal is appended with the current term, after all existing entries;
 * - the leader never deletes or overwrites its own log (Leader Append-Only, §5.3);
 * - at most one conf change is in the log beyond `applied` (pendingConfIndex, §6).
 */

/**
 * The leader's clock: heartbeats every heartbeatTimeout ticks (§5.2: they keep followers from
 * timing out), check-quorum rounds every electionTimeout ticks, and the leader-transfer deadline.
 * The leader uses the fixed, not the randomized, timeout: nothing competes with it.
 */
export function tickHeartbeat(r: Raft): void {
  r.heartbeatElapsed++;
  r.electionElapsed++;
  if (r.electionElapsed >= r.electionTimeout) {
    r.electionElapsed = 0;
    if (r.checkQuorum) r.step(message({ type: 'MsgCheckQuorum', from: r.id }));
    // A transfer that did not finish within an election timeout is abandoned: the transferee is
    // probably down, and proposals must not stay blocked forever.
    if (r.state === 'Leader' && r.leadTransferee !== NONE) r.abortLeaderTransfer();
  }
  if (r.state !== 'Leader') return;
  if (r.heartbeatElapsed >= r.heartbeatTimeout) {
    r.heartbeatElapsed = 0;
    r.step(message({ type: 'MsgBeat', from: r.id }));
  }
}

/**
 * The leader's message handler. Messages from a term other than ours never get here (Raft.step
 * filters them), so every response below answers something this leader sent in this term.
 */
export function stepLeader(r: Raft, m: Message): ProposalDroppedError | null {
  // Messages that do not need the sender's progress: local ones, and requests that a follower
  // forwards on a client's behalf.
  switch (m.type) {
    case 'MsgBeat':
      bcastHeartbeat(r);
      return null;
    case 'MsgCheckQuorum':
      // Thesis §6.2: a leader that cannot reach a quorum steps down, so that clients go looking
      // for a leader that can make progress (and lease-based reads stay sound).
      if (!r.trk.quorumActive(r.id)) {
        r.logger.warn('stepped down: quorum not active', { id: r.id, term: r.term });
        r.becomeFollower(r.term, NONE);
      }
      r.trk.visit((id, pr) => {
        if (id !== r.id) pr.recentActive = false;
      });
      return null;
    case 'MsgProp':
      return propose(r, m);
    case 'MsgReadIndex':
      handleReadIndex(r, m);
      return null;
    default:
      break;
  }

  // Everything else is about one peer's progress. A peer we do not track (removed, or not yet
  // added here) has nothing to tell us.
  const pr = r.trk.progress.get(m.from);
  if (pr === undefined) return null;
  switch (m.type) {
    case 'MsgAppResp':
      // Any answer proves the peer is alive and reachable, for check-quorum.
      pr.recentActive = true;
      if (m.reject) {
        // Fast backtracking: the follower said its log may agree with ours at most up to
        // (rejectHint, logTerm). Refine on our side: any entry of ours above an index of term
        // <= logTerm has a larger term and cannot match, so skip those terms too.
        let nextProbe = m.rejectHint;
        if (m.logTerm > 0) nextProbe = r.raftLog.findConflictByTerm(m.rejectHint, m.logTerm).index;
        if (pr.maybeDecrTo(m.index, nextProbe)) {
          if (pr.state === 'Replicate') pr.becomeProbe();
          sendAppend(r, m.from);
        }
        return null;
      }
      {
        // A success acknowledges that the follower's log matches ours up to m.index (Log
        // Matching, §5.3): everything up to it may count toward commitment.
        const wasPaused = pr.isPaused();
        if (!pr.maybeUpdate(m.index)) return null;
        if (pr.state === 'Probe') {
          pr.becomeReplicate();
        } else if (pr.state === 'Snapshot' && pr.match >= pr.pendingSnapshot) {
          // The follower caught up through the snapshot (or the log); stream from here.
          pr.becomeProbe();
          pr.becomeReplicate();
        } else if (pr.state === 'Replicate') {
          pr.inflights.freeLE(m.index);
        }
        if (r.maybeCommit()) {
          commitAdvanced(r);
        } else if (wasPaused) {
          // The ack unblocked a paused follower; resume sending.
          sendAppend(r, m.from);
        }
        // The ack may have freed inflight slots: fill the window with whatever is pending.
        while (maybeSendAppend(r, m.from, false)) {
          // keep sending
        }
        if (m.from === r.leadTransferee && pr.match === r.raftLog.lastIndex()) {
          // The transferee has our whole log: it can win an election at once.
          sendTimeoutNow(r, m.from);
        }
      }
      return null;
    case 'MsgHeartbeatResp':
      // Heartbeats are the retry timer of replication: a probe that got lost is resent after
      // the next heartbeat round, so a paused Probe unpauses here.
      pr.recentActive = true;
      pr.msgAppFlowPaused = false;
      // A full window with a live follower means acks were lost; free a slot to make progress.
      if (pr.state === 'Replicate' && pr.inflights.full()) pr.inflights.freeFirstOne();
      if (pr.match < r.raftLog.lastIndex()) sendAppend(r, m.from);
      // §6.4: a heartbeat answered in our term by a majority proves that no newer leader had
      // been elected when the read request was recorded, so its read index is current.
      if (r.readOnly.option !== 'Safe' || m.context === undefined || m.context.length === 0) return null;
      {
        const acks = r.readOnly.recvAck(m.from, m.context);
        if (acks === undefined || voteResult(r.trk.voters, (id) => (acks.has(id) ? true : undefined)) !== 'Won') return null;
        for (const rs of r.readOnly.advance(m.context)) answerReadIndex(r, rs.req, rs.index);
      }
      return null;
    case 'MsgSnapStatus':
      if (pr.state !== 'Snapshot') return null;
      // On success wait for the follower's MsgAppResp before sending more; on failure forget
      // the snapshot and wait for a heartbeat response before trying again.
      if (m.reject) pr.pendingSnapshot = 0;
      pr.becomeProbe();
      pr.msgAppFlowPaused = true;
      return null;
    case 'MsgUnreachable':
      // Under pipelining a lost MsgApp would leave a gap; go back to probing.
      if (pr.state === 'Replicate') pr.becomeProbe();
      return null;
    case 'MsgTransferLeader':
      transferLeader(r, m);
      return null;
    default:
      return null;
  }
}

/**
 * Appends a client proposal (local or forwarded) and replicates it. Refused while the leader is
 * not part of the configuration (it could not count itself) and during a leadership transfer
 * (the entries would likely be lost or duplicated by the client's retry at the next leader).
 */
function propose(r: Raft, m: Message): ProposalDroppedError | null {
  if (m.entries.length === 0) throw new Error('raft: stepped an empty MsgProp');
  if (!r.trk.progress.has(r.id)) return new ProposalDroppedError('the leader is not in the configuration');
  if (r.leadTransferee !== NONE) return new ProposalDroppedError(`leadership is being transferred to ${r.leadTransferee}`);
  const confChanges = m.entries.filter((e) => e.type === 'ConfChange').length;
  if (confChanges > 0) {
    // §6: one single-server change at a time. A second change is dropped (not turned into an
    // empty entry) so the proposer learns at once that it must retry after the first applies.
    if (confChanges > 1 || r.pendingConfIndex > r.raftLog.applied) {
      return new ProposalDroppedError('a configuration change is already pending');
    }
    const at = m.entries.findIndex((e) => e.type === 'ConfChange');
    r.pendingConfIndex = r.raftLog.lastIndex() + at + 1;
  }
  r.appendEntry(m.entries);
  bcastAppend(r);
  return null;
}

/**
 * Starts a transfer to m.from (the transferee; the request may have been forwarded). Learners
 * cannot lead. A second request for another node replaces the first.
 */
function transferLeader(r: Raft, m: Message): void {
  const pr = r.trk.progress.get(m.from);
  if (pr === undefined || pr.isLearner) return;
  const transferee = m.from;
  if (r.leadTransferee !== NONE) {
    if (r.leadTransferee === transferee) return;
    r.abortLeaderTransfer();
  }
  if (transferee === r.id) return;
  // The transfer must finish within one election timeout (tickHeartbeat aborts it).
  r.electionElapsed = 0;
  r.leadTransferee = transferee;
  // Thesis §3.10: first bring the transferee's log up to date, then tell it to campaign.
  if (pr.match === r.raftLog.lastIndex()) sendTimeoutNow(r, transferee);
  else sendAppend(r, transferee);
}

/**
 * §6.4 ReadIndex. A leader that has not committed an entry of its term does not yet know the
 * cluster's commit index (its own may lag the previous leader's), so it holds reads back until
 * its empty entry commits.
 */
function handleReadIndex(r: Raft, m: Message): void {
  if (r.trk.isSingleton() && r.trk.voters.has(r.id)) {
    // Nobody else can be leader: the commit index is current.
    answerReadIndex(r, m, r.raftLog.committed);
    return;
  }
  if (!r.committedEntryInCurrentTerm()) {
    r.pendingReadIndexMessages.push(m);
    return;
  }
  serveReadIndex(r, m);
}

/** Records a read at the current commit index and starts confirming it (requires an entry of our term committed). */
function serveReadIndex(r: Raft, m: Message): void {
  if (r.readOnly.option === 'Safe') {
    r.readOnly.addRequest(r.raftLog.committed, m);
    // We are one of the quorum ourselves.
    r.readOnly.recvAck(r.id, m.context);
    bcastHeartbeatWithCtx(r, m.context);
    return;
  }
  // LeaseBased: check-quorum guarantees we stepped down if a quorum stopped hearing from us,
  // and followers ignore vote requests while they hear from us; the lease stands in for the
  // heartbeat round, trading safety under clock drift for latency.
  answerReadIndex(r, m, r.raftLog.committed);
}

/**
 * The leader's commit index moved (a follower's ack, or our own entries became durable): the
 * first commit of our term releases reads held back by handleReadIndex, and everyone hears of
 * the new commit index.
 */
export function commitAdvanced(r: Raft): void {
  releasePendingReadIndexMessages(r);
  bcastAppend(r);
}

/** Called when commit advances: the first commit of our term releases reads held back by handleReadIndex. */
function releasePendingReadIndexMessages(r: Raft): void {
  if (r.pendingReadIndexMessages.length === 0 || !r.committedEntryInCurrentTerm()) return;
  const msgs = r.pendingReadIndexMessages;
  r.pendingReadIndexMessages = [];
  for (const m of msgs) serveReadIndex(r, m);
}

/** A local request becomes a ReadState; a follower's becomes a MsgReadIndexResp. */
function answerReadIndex(r: Raft, req: Message, index: number): void {
  const ctx = req.context ?? new Uint8Array(0);
  if (req.from === NONE || req.from === r.id) {
    r.readStates.push({ index, requestCtx: ctx });
    return;
  }
  r.send(message({ type: 'MsgReadIndexResp', to: req.from, index, context: ctx }));
}
