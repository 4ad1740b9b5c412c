import type { Raft } from './raft';
import { bcastAppend, maybeSendAppend } from './replication';
import { ProgressTracker } from './tracker';
import type { ConfChange, ConfState, Snapshot } from './types';
import { NONE } from './types';

/**
 * Membership changes (§6) and snapshot installation (§7), both of which replace the
 * configuration the node works with.
 *
 * Changes are single-server (thesis §4.1): any majority of the old voter set and any majority
 * of the new one share a node, so two leaders can never be elected in the same term across a
 * change, and no joint consensus is needed. The rule that makes this hold is that a change is
 * proposed only when the previous one has been applied (see step-leader.ts, propose), and that
 * a node applies a change only once it is committed (the application calls applyConfChange when
 * it applies the entry). Learners hold the log but are never in any majority.
 */

/** Applies one committed change to the tracker; returns the new configuration. */
export function applyConfChange(r: Raft, cc: ConfChange): ConfState {
  r.trk.apply(cc, r.raftLog.lastIndex());
  return switchToConfig(r);
}

/** Reacts to a new configuration; called after every change to the tracker's membership. */
export function switchToConfig(r: Raft): ConfState {
  const cs = r.trk.confState();
  const self = r.trk.progress.get(r.id);
  r.isLearner = self?.isLearner ?? false;
  if ((self === undefined || r.isLearner) && r.state === 'Leader') {
    // A leader removed from (or demoted in) the configuration stops leading: it may not count
    // itself toward majorities it is no longer part of. It steps down in its term; the others
    // time out and elect a new leader among themselves. (etcd keeps such a leader running
    // until check-quorum deposes it; stepping down at once is simpler and no less safe.)
    r.becomeFollower(r.term, NONE);
    return cs;
  }
  if (r.state !== 'Leader' || cs.voters.length === 0) return cs;
  // A smaller majority may already hold entries that the old one did not: removing a node
  // can commit entries at once.
  if (r.maybeCommit()) {
    bcastAppend(r);
  } else {
    // Otherwise probe new members straight away instead of waiting for a heartbeat.
    r.trk.visit((id) => {
      if (id !== r.id) maybeSendAppend(r, id, false);
    });
  }
  // A transfer to a node that is no longer a voter can never complete.
  if (r.leadTransferee !== NONE && !r.trk.voters.has(r.leadTransferee)) r.abortLeaderTransfer();
  return cs;
}

/**
 * Installs a snapshot from the leader (§7). Returns false when it brings nothing new: it is at
 * or below our commit index, or our log already holds its last entry (then, by Log Matching,
 * every entry up to it matches the leader's and is committed, so we only fast-forward the commit
 * index and keep our log, which may hold more).
 */
export function restoreSnapshot(r: Raft, s: Snapshot): boolean {
  const { index, term, confState } = s.metadata;
  if (index <= r.raftLog.committed) return false;
  if (r.state !== 'Follower') {
    // Only a leader sends snapshots and we stepped down to follow it before getting here; if
    // not, something is badly off: move to a fresh term and let the cluster sort it out.
    r.becomeFollower(r.term + 1, NONE);
    return false;
  }
  // The snapshot's configuration may not include us: a node added after the snapshot was taken
  // catches up from it and then finds its own AddNode in the entries that follow. Until it
  // applies that, it is in the same position as any joining node (no configuration of its own,
  // never campaigns), so the snapshot is accepted. (etcd refuses such a snapshot, relying on
  // its server always sending a snapshot with the current configuration.)
  if (r.raftLog.matchTerm(index, term)) {
    r.raftLog.commitTo(index);
    return false;
  }
  r.raftLog.restore(s);
  // The snapshot's configuration replaces ours wholesale: it is the configuration as of the
  // snapshot's index, which is committed.
  r.trk = ProgressTracker.fromConfState(confState, r.trk.maxInflight, r.raftLog.lastIndex());
  switchToConfig(r);
  return true;
}
