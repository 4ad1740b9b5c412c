import { campaign, hup, poll } from './election';
import { ProposalDroppedError } from './errors';
import { restoreSnapshot } from './membership';
import type { Raft } from './raft';
import { bcastAppend } from './replication';
import type { Message } from './types';
import { NONE, message } from './types';

/**
 * The follower and candidate roles. A follower is passive (§5.2): it answers the leader and
 * candidates and forwards client requests to the leader it knows. Invariant: a follower's log
 * is only changed by the leader of its current term (MsgApp, MsgSnap) and never below its
 * commit index.
 */

/**
 * Followers and candidates: campaign when the randomized election timeout passes without
 * hearing from a leader (§5.2). Learners and removed nodes never do (promotable).
 */
export function tickElection(r: Raft): void {
  r.electionElapsed++;
  if (r.promotable() && r.pastElectionTimeout()) {
    r.electionElapsed = 0;
    r.step(message({ type: 'MsgHup', from: r.id }));
  }
}

/** The follower's message handler; terms were already reconciled by Raft.step. */
export function stepFollower(r: Raft, m: Message): ProposalDroppedError | null {
  switch (m.type) {
    case 'MsgProp':
      if (r.isLearner) return new ProposalDroppedError('this node is a learner');
      if (r.lead === NONE) return new ProposalDroppedError('no leader');
      if (r.disableProposalForwarding) return new ProposalDroppedError('proposal forwarding is disabled');
      // The leader appends it; our copy arrives through ordinary replication. The proposer
      // learns the outcome only by seeing the entry applied (or not), as with any proposal.
      r.send({ ...m, to: r.lead });
      return null;
    case 'MsgApp':
      // Hearing from the leader resets the election timer (§5.2) and, with check-quorum, the
      // lease during which we ignore vote requests.
      r.electionElapsed = 0;
      r.lead = m.from;
      handleAppendEntries(r, m);
      return null;
    case 'MsgHeartbeat':
      r.electionElapsed = 0;
      r.lead = m.from;
      handleHeartbeat(r, m);
      return null;
    case 'MsgSnap':
      r.electionElapsed = 0;
      r.lead = m.from;
      handleSnapshot(r, m);
      return null;
    case 'MsgTransferLeader':
      if (r.lead !== NONE) r.send({ ...m, to: r.lead });
      return null;
    case 'MsgTimeoutNow':
      // The leader asked us to take over (thesis §3.10). Skip pre-vote: we are not returning
      // from a partition, and the leader already made sure our log is current.
      hup(r, 'Transfer');
      return null;
    case 'MsgReadIndex':
      // Without a leader there is nobody to confirm the read; the client retries.
      if (r.lead !== NONE) r.send({ ...m, to: r.lead });
      return null;
    case 'MsgReadIndexResp':
      // The leader confirmed the read point; the application serves the read once it has
      // applied up to m.index.
      r.readStates.push({ index: m.index, requestCtx: m.context ?? new Uint8Array(0) });
      return null;
    default:
      return null;
  }
}

/** Shared by PreCandidate and Candidate; which vote answers count depends on the state. */
export function stepCandidate(r: Raft, m: Message): ProposalDroppedError | null {
  const myVoteResp = r.state === 'PreCandidate' ? 'MsgPreVoteResp' : 'MsgVoteResp';
  switch (m.type) {
    case 'MsgProp':
      return new ProposalDroppedError('no leader');
    case 'MsgApp':
      // §5.2: a candidate that hears from a leader of its term (or newer) yields to it.
      r.becomeFollower(m.term, m.from);
      handleAppendEntries(r, m);
      return null;
    case 'MsgHeartbeat':
      r.becomeFollower(m.term, m.from);
      handleHeartbeat(r, m);
      return null;
    case 'MsgSnap':
      r.becomeFollower(m.term, m.from);
      handleSnapshot(r, m);
      return null;
    case 'MsgPreVoteResp':
    case 'MsgVoteResp': {
      if (m.type !== myVoteResp) return null;
      const result = poll(r, m.from, m.type, !m.reject);
      if (result === 'Won') {
        if (r.state === 'PreCandidate') {
          campaign(r, 'Election');
        } else {
          r.becomeLeader();
          // Announce leadership and start replicating the new term's empty entry.
          bcastAppend(r);
        }
      } else if (result === 'Lost') {
        // A granted pre-vote response carries a future term; keep ours when giving up.
        r.becomeFollower(r.term, NONE);
      }
      return null;
    }
    case 'MsgTimeoutNow':
      // Already campaigning.
      return null;
    default:
      return null;
  }
}

/**
 * The follower side of AppendEntries (§5.3). Every answer carries an index the leader can use:
 * the last index now known to match on success, or a hint for the next probe on rejection.
 */
function handleAppendEntries(r: Raft, m: Message): void {
  if (m.index < r.raftLog.committed) {
    // Everything up to our commit index matches the leader (Leader Completeness); tell it where
    // we are so it can skip ahead instead of probing below our commit.
    r.send(message({ type: 'MsgAppResp', to: m.from, index: r.raftLog.committed }));
    return;
  }
  const lastNew = r.raftLog.maybeAppend(m.index, m.logTerm, m.commit, m.entries);
  if (lastNew !== undefined) {
    r.send(message({ type: 'MsgAppResp', to: m.from, index: lastNew }));
    return;
  }
  // Consistency check failed. Hint where the logs may agree: the last index at or below
  // min(m.index, our last index) whose term is <= m.logTerm. Entries above it all have a
  // larger term than the leader's entry at m.index, so the leader skips them (whole terms) in
  // one round trip instead of one index per round trip.
  const hint = r.raftLog.findConflictByTerm(Math.min(m.index, r.raftLog.lastIndex()), m.logTerm);
  r.send(message({ type: 'MsgAppResp', to: m.from, index: m.index, reject: true, rejectHint: hint.index, logTerm: hint.term }));
}

/** Heartbeats advance commit and echo the ReadIndex context so the leader can count acks (§6.4). */
function handleHeartbeat(r: Raft, m: Message): void {
  // The leader sends min(our match, its commit), so this never passes what we hold.
  r.raftLog.commitTo(m.commit);
  const resp = message({ type: 'MsgHeartbeatResp', to: m.from });
  if (m.context !== undefined) resp.context = m.context;
  r.send(resp);
}

/** InstallSnapshot (§7); the snapshot itself reaches the application through Ready.snapshot. */
function handleSnapshot(r: Raft, m: Message): void {
  if (m.snapshot === undefined) return;
  // Either way, answer with an index we now hold so the leader resumes from there.
  if (restoreSnapshot(r, m.snapshot)) {
    r.send(message({ type: 'MsgAppResp', to: m.from, index: r.raftLog.lastIndex() }));
  } else {
    r.send(message({ type: 'MsgAppResp', to: m.from, index: r.raftLog.committed }));
  }
}
