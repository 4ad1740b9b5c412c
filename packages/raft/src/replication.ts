import { SnapshotTemporarilyUnavailableError } from './errors';
import type { PeerProgress } from './progress';
import type { Raft } from './raft';
import type { NodeId } from './types';
import { isEmptySnapshot, message } from './types';

/**
 * The leader's outbound half of log replication (§5.3): what to send each follower, given its
 * progress. Everything here runs only in Leader state.
 */

/** Sends entries (or an empty probe/commit update) to `to` unless its progress is paused. */
export function sendAppend(r: Raft, to: NodeId): void {
  maybeSendAppend(r, to, true);
}

/**
 * Sends one MsgApp to `to`, at most maxMsgSize bytes of entries starting at its `next`.
 * Returns whether a message was sent. With sendIfEmpty false nothing is sent when there are no
 * new entries, which lets callers loop to fill the inflights window.
 *
 * When the entries (or the term of the entry before them) have been compacted, the follower can
 * only catch up from a snapshot.
 */
export function maybeSendAppend(r: Raft, to: NodeId, sendIfEmpty: boolean): boolean {
  const pr = r.trk.progress.get(to);
  if (pr === undefined || pr.isPaused()) return false;
  const prevIndex = pr.next - 1;
  const prevTerm = r.raftLog.term(prevIndex);
  const ents = r.raftLog.entries(pr.next, r.maxMsgSize);
  if (ents !== undefined && ents.length === 0 && !sendIfEmpty) return false;
  if (prevTerm === undefined || ents === undefined) return sendSnapshot(r, to, pr);

  const last = ents[ents.length - 1];
  if (last !== undefined) {
    if (pr.state === 'Replicate') {
      // Pipelining: assume success and keep streaming, bounded by the inflights window.
      pr.optimisticUpdate(last.index);
      pr.inflights.add(last.index);
    } else if (pr.state === 'Probe') {
      // One probe at a time: the answer tells us where the logs agree.
      pr.msgAppFlowPaused = true;
    } else {
      throw new Error(`raft: sending entries to ${to} in state ${pr.state}`);
    }
  }
  r.send(message({ type: 'MsgApp', to, index: prevIndex, logTerm: prevTerm, entries: ents, commit: r.raftLog.committed }));
  return true;
}

function sendSnapshot(r: Raft, to: NodeId, pr: PeerProgress): boolean {
  // A snapshot is expensive; do not spend it on a peer we have not heard from lately. Its next
  // heartbeat response marks it active and triggers the snapshot.
  if (!pr.recentActive) return false;
  let snap;
  try {
    snap = r.raftLog.snapshot();
  } catch (err) {
    // The application is still producing one; a later heartbeat response retries.
    if (err instanceof SnapshotTemporarilyUnavailableError) return false;
    throw err;
  }
  if (isEmptySnapshot(snap)) throw new Error('raft: log compacted but storage has no snapshot');
  pr.becomeSnapshot(snap.metadata.index);
  r.send(message({ type: 'MsgSnap', to, snapshot: snap }));
  return true;
}

/** Sends every follower what it lacks (or, if nothing, the current commit index). */
export function bcastAppend(r: Raft): void {
  r.trk.visit((id) => {
    if (id !== r.id) sendAppend(r, id);
  });
}

/** Heartbeats carry the newest pending read context, confirming every pending read at once. */
export function bcastHeartbeat(r: Raft): void {
  bcastHeartbeatWithCtx(r, r.readOnly.lastPendingRequestCtx());
}

export function bcastHeartbeatWithCtx(r: Raft, ctx: Uint8Array | undefined): void {
  r.trk.visit((id) => {
    if (id !== r.id) sendHeartbeat(r, id, ctx);
  });
}

function sendHeartbeat(r: Raft, to: NodeId, ctx: Uint8Array | undefined): void {
  const pr = r.trk.progress.get(to);
  // A follower may not hold the leader's whole committed prefix; telling it a commit index
  // beyond its match could make it commit an entry that differs from the leader's. Its match
  // is known to agree with the leader's log, so min(match, commit) is always safe.
  const commit = Math.min(pr?.match ?? 0, r.raftLog.committed);
  const m = message({ type: 'MsgHeartbeat', to, commit });
  if (ctx !== undefined) m.context = ctx;
  r.send(m);
}

/**
 * Tells the transferee to campaign at once, skipping pre-vote and the lease (thesis §3.10). Sent
 * only when its log matches ours, so it wins unless something newer happens.
 */
export function sendTimeoutNow(r: Raft, to: NodeId): void {
  r.send(message({ type: 'MsgTimeoutNow', to }));
}
