import type { Message, NodeId, Ready, StateType } from './types';

/**
 * Which of a Ready's messages may leave before the Ready is persisted (thesis §10.2.1).
 *
 * The rule behind the Ready order is that a message never vouches for state a crash could take
 * back: a vote (or pre-vote answer) promises a durable term and vote, an MsgAppResp or
 * MsgHeartbeatResp acknowledges durable entries and term, a read answer relies on them. Those
 * leave strictly after the persist.
 *
 * A leader's replication traffic of its own term vouches for nothing durable on the leader: the
 * leader counts its own copy of an entry toward commitment only once advance() reports it
 * durable (Raft.ownEntriesDurable), and the commit index it sends covers only entries already
 * durable on a majority that includes it. So MsgApp, MsgHeartbeat, MsgSnap and MsgTimeoutNow
 * sent by the leader in the term it was leading when the Ready was produced may go out first,
 * and the leader's fsync overlaps the followers' instead of preceding it. If the leader crashes
 * before its write completes it loses those entries, but nobody has counted them for it.
 *
 * Requests a node forwards to the leader for a client (MsgProp, MsgReadIndex, MsgTransferLeader)
 * vouch for nothing at all and leave early from any node.
 */
export class ReadyOrder {
  private state: StateType;
  private term: number;

  /** `state` and `term`: the core's role and term before its first Ready (from status()). */
  constructor(
    private readonly self: NodeId,
    state: StateType,
    term: number,
  ) {
    this.state = state;
    this.term = term;
  }

  /**
   * Splits rd.messages into those that may precede the persist and those that must follow it.
   * Call once per Ready, in order: a Ready reports role and term only when they change, so this
   * tracks the role and term the core was in when it produced rd.
   */
  split(rd: Ready): { early: Message[]; late: Message[] } {
    if (rd.softState !== undefined) this.state = rd.softState.raftState;
    if (rd.hardState !== undefined) this.term = rd.hardState.term;
    const early: Message[] = [];
    const late: Message[] = [];
    for (const m of rd.messages) (this.mayPrecedePersist(m) ? early : late).push(m);
    return { early, late };
  }

  private mayPrecedePersist(m: Message): boolean {
    // Requests forwarded on a client's behalf (a proposal, a read, a transfer) carry nothing of
    // this node's state: held back, they would only wait for a write they have nothing to do with.
    if (m.type === 'MsgProp' || m.type === 'MsgReadIndex' || m.type === 'MsgTransferLeader') return true;
    if (this.state !== 'Leader' || m.from !== this.self || m.term !== this.term) return false;
    return m.type === 'MsgApp' || m.type === 'MsgHeartbeat' || m.type === 'MsgSnap' || m.type === 'MsgTimeoutNow';
  }
}
