import type { Raft } from './raft';
import type { VoteResult } from './quorum';
import type { Message, MessageType, NodeId } from './types';
import { NONE, message } from './types';

/**
 * Elections (§5.2), the election restriction (§5.4.1), pre-vote (§9.6) and the leader lease
 * that check-quorum relies on (thesis §4.2.3 and §6.2).
 *
 * Safety rests on two rules enforced here: a node grants at most one vote per term (the vote is
 * part of HardState and persisted before the answer leaves, by the Ready order), and it grants a
 * vote only to a candidate whose log is at least as up-to-date as its own. Together they mean
 * that a leader is elected by a majority that includes, for every committed entry, at least one
 * node holding it, and that node would have refused a candidate lacking it.
 *
 * Liveness rests on randomized election timeouts (drawn in Raft.reset from [T, 2T)), which make
 * it unlikely that two candidates keep splitting the vote.
 */

/** Why an election is started: pre-vote probe (§9.6), real election (§5.2), or a leader transfer. */
export type CampaignType = 'PreElection' | 'Election' | 'Transfer';

/**
 * The context of a MsgVote sent because the old leader asked for it (MsgTimeoutNow). Such a vote
 * request is honoured even inside a leader lease: the leader itself wants to be replaced.
 */
export const CAMPAIGN_TRANSFER = new TextEncoder().encode('CampaignTransfer');

export function isTransferContext(ctx: Uint8Array | undefined): boolean {
  if (ctx === undefined || ctx.length !== CAMPAIGN_TRANSFER.length) return false;
  return ctx.every((b, i) => b === CAMPAIGN_TRANSFER[i]);
}

export function voteRespType(t: MessageType): MessageType {
  return t === 'MsgPreVote' ? 'MsgPreVoteResp' : 'MsgVoteResp';
}

/** MsgHup: start an election if this node may. */
export function hup(r: Raft, t: CampaignType): void {
  if (r.state === 'Leader') return;
  // Learners, removed nodes and nodes restoring a snapshot must not lead.
  if (!r.promotable()) return;
  // A committed but unapplied conf change may remove us or change the quorum; campaigning on
  // the old configuration could elect a leader the new one does not allow (§6).
  if (hasUnappliedConfChanges(r)) {
    r.logger.warn('cannot campaign: pending configuration changes to apply', { id: r.id, term: r.term });
    return;
  }
  campaign(r, t);
}

function hasUnappliedConfChanges(r: Raft): boolean {
  const log = r.raftLog;
  if (log.applied >= log.committed) return false;
  return log.slice(log.applied + 1, log.committed + 1, Infinity).some((e) => e.type === 'ConfChange');
}

/**
 * Becomes (pre-)candidate and asks every voter for its vote. A pre-vote asks about the term we
 * would campaign in without entering it, so a failed pre-vote leaves no trace in HardState.
 */
export function campaign(r: Raft, t: CampaignType): void {
  let term: number;
  let voteMsg: MessageType;
  if (t === 'PreElection') {
    r.becomePreCandidate();
    voteMsg = 'MsgPreVote';
    term = r.term + 1;
  } else {
    r.becomeCandidate();
    voteMsg = 'MsgVote';
    term = r.term;
  }
  if (poll(r, r.id, voteRespType(voteMsg), true) === 'Won') {
    // Only a single-voter cluster wins on its own vote.
    if (t === 'PreElection') campaign(r, 'Election');
    else r.becomeLeader();
    return;
  }
  // §5.4.1: the request carries our last log position so that voters can refuse a candidate
  // that lacks entries they hold.
  const index = r.raftLog.lastIndex();
  const logTerm = r.raftLog.lastTerm();
  for (const id of r.trk.voterIds()) {
    if (id === r.id) continue;
    const m = message({ type: voteMsg, to: id, term, index, logTerm });
    if (t === 'Transfer') m.context = CAMPAIGN_TRANSFER;
    r.send(m);
  }
}

/** Records `id`'s answer and tallies; answers from non-voters count for nothing. */
export function poll(r: Raft, id: NodeId, t: MessageType, granted: boolean): VoteResult {
  r.logger.debug('received vote', { id: r.id, from: id, type: t, granted, term: r.term });
  r.trk.recordVote(id, granted);
  return r.trk.tallyVotes().result;
}

/**
 * Leader lease (thesis §4.2.3): while this node hears from a live leader, a vote request for a
 * higher term comes from a node that cannot see that leader (partitioned or removed), and is
 * ignored so that it cannot depose a healthy leader. A transfer the leader asked for is exempt.
 *
 * With check-quorum the lease covers real votes too: a leader that loses its quorum steps down
 * within an election timeout, so the lease can never block progress for long. A pre-vote is
 * refused inside the lease even without check-quorum (§9.6: the others "will have been
 * receiving regular heartbeats"); this is what keeps a rejoining node whose log is current from
 * winning a pre-vote and then bumping the term. This goes beyond etcd, which applies the lease
 * only with check-quorum.
 */
export function ignoredByLease(r: Raft, m: Message): boolean {
  if (m.type !== 'MsgVote' && m.type !== 'MsgPreVote') return false;
  const heardFromLeader = r.lead !== NONE && r.electionElapsed < r.electionTimeout;
  const leaseApplies = r.checkQuorum || m.type === 'MsgPreVote';
  return heardFromLeader && leaseApplies && !isTransferContext(m.context);
}

/** Answers a MsgVote or MsgPreVote whose term is at least ours (older ones never get here). */
export function handleVoteRequest(r: Raft, m: Message): void {
  // §5.2: one vote per term; a repeated request from the candidate we voted for is granted
  // again (the first answer may have been lost). A node that knows a leader in this term has
  // not voted but must not help elect a second one. A pre-vote binds nothing, so any pre-vote
  // for a future term may be granted.
  const canVote = r.vote === m.from || (r.vote === NONE && r.lead === NONE) || (m.type === 'MsgPreVote' && m.term > r.term);
  const respType = voteRespType(m.type);
  if (canVote && r.raftLog.isUpToDate(m.index, m.logTerm)) {
    // The answer carries the request's term: a pre-candidate counts answers for the term it
    // asked about, and a candidate's term equals ours by now (Raft.step moved us to it).
    r.send(message({ type: respType, to: m.from, term: m.term }));
    if (m.type === 'MsgVote') {
      // Granting a vote defers our own candidacy: give the candidate a full timeout to win.
      r.electionElapsed = 0;
      r.vote = m.from;
    }
  } else {
    r.send(message({ type: respType, to: m.from, term: r.term, reject: true }));
  }
}
