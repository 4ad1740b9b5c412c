import { Inflights } from './inflights';

export type ProgressStateType = 'Probe' | 'Replicate' | 'Snapshot';

/**
 * The leader's view of one peer's log (§5.3): `match` is the highest index known to be on the
 * peer, `next` the next index to send. Invariant: match < next.
 *
 * The state says how the leader sends:
 * - Probe: the leader does not know where the logs agree. It sends at most one MsgApp per
 *   heartbeat interval and moves `next` back on each rejection until a MsgApp is accepted.
 * - Replicate: the logs agree up to `match`; the leader streams entries (pipelining), moving
 *   `next` optimistically past what it sent, limited by the inflights window.
 * - Snapshot: the peer needs entries the leader has compacted; a MsgSnap is on its way and
 *   nothing else is sent until the peer acknowledges it or the transport reports failure.
 */
export class PeerProgress {
  match = 0;
  next: number;
  state: ProgressStateType = 'Probe';
  /** In Snapshot state: the index of the snapshot being sent. */
  pendingSnapshot = 0;
  /** Whether the peer was heard from since the last check-quorum round (§6.2 of the thesis). */
  recentActive = false;
  /** In Probe state: a probe is outstanding, so wait for an answer (or a heartbeat) before the next. */
  msgAppFlowPaused = false;
  readonly inflights: Inflights;
  isLearner: boolean;

  constructor(next: number, maxInflight: number, isLearner: boolean) {
    this.next = next;
    this.inflights = new Inflights(maxInflight);
    this.isLearner = isLearner;
  }

  /** Forgets everything learned about the peer; a new leader starts from optimism (§5.3). */
  reset(next: number): void {
    this.match = 0;
    this.next = next;
    this.recentActive = false;
    this.resetState('Probe');
  }

  becomeProbe(): void {
    // Coming back from a snapshot, the peer has at least the snapshot (if it was applied), so
    // probing starts after it; a failed snapshot cleared pendingSnapshot, so match decides.
    if (this.state === 'Snapshot') {
      const pending = this.pendingSnapshot;
      this.resetState('Probe');
      this.next = Math.max(this.match + 1, pending + 1);
    } else {
      this.resetState('Probe');
      this.next = this.match + 1;
    }
  }

  becomeReplicate(): void {
    this.resetState('Replicate');
    this.next = this.match + 1;
  }

  becomeSnapshot(snapshotIndex: number): void {
    this.resetState('Snapshot');
    this.pendingSnapshot = snapshotIndex;
  }

  /**
   * Records an acknowledgement of `n`. Returns false for a stale ack (an older MsgAppResp
   * delivered late), which must not move match backwards.
   */
  maybeUpdate(n: number): boolean {
    let updated = false;
    if (this.match < n) {
      this.match = n;
      updated = true;
      this.msgAppFlowPaused = false;
    }
    this.next = Math.max(this.next, n + 1);
    return updated;
  }

  /** Pipelining: assume the MsgApp just sent will be accepted. */
  optimisticUpdate(n: number): void {
    this.next = n + 1;
  }

  /**
   * Handles a rejection of the MsgApp whose previous index was `rejected`. `matchHint` is the
   * highest index at which the logs may still agree (from the follower's hint, refined by the
   * leader's own log). Returns false when the rejection is stale and must be ignored.
   */
  maybeDecrTo(rejected: number, matchHint: number): boolean {
    if (this.state === 'Replicate') {
      // Everything up to match is known to agree, so a rejection at or below it is old news.
      if (rejected <= this.match) return false;
      // Fall back to just after match; the caller moves the peer to Probe.
      this.next = this.match + 1;
      return true;
    }
    // In Probe only the answer to the outstanding probe (sent at next-1) counts.
    if (this.next - 1 !== rejected) return false;
    this.next = Math.max(Math.min(rejected, matchHint + 1), 1);
    this.msgAppFlowPaused = false;
    return true;
  }

  /** Whether the leader must hold back MsgApp to this peer for now. */
  isPaused(): boolean {
    switch (this.state) {
      case 'Probe':
        return this.msgAppFlowPaused;
      case 'Replicate':
        return this.inflights.full();
      case 'Snapshot':
        return true;
    }
  }

  private resetState(state: ProgressStateType): void {
    this.msgAppFlowPaused = false;
    this.pendingSnapshot = 0;
    this.state = state;
    this.inflights.reset();
  }
}
