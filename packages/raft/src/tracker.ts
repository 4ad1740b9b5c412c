import { PeerProgress } from './progress';
import { committedIndex, voteResult } from './quorum';
import type { VoteResult } from './quorum';
import type { ConfChange, ConfState, NodeId } from './types';

/**
 * The membership as this node currently knows it (voters and learners), the leader's progress
 * for every member, and the votes of the election in flight.
 *
 * Invariants: voters and learners are disjoint; every member has a progress entry and nothing
 * else has. Iteration is always in ascending id order so that message order, and with it a
 * seeded simulation or a golden transcript, is reproducible.
 */
export class ProgressTracker {
  readonly voters = new Set<NodeId>();
  readonly learners = new Set<NodeId>();
  readonly progress = new Map<NodeId, PeerProgress>();
  private readonly votes = new Map<NodeId, boolean>();
  /** ids(), kept until the membership changes: the leader visits every peer several times per message. */
  private sortedIds: readonly NodeId[] | undefined;
  /** Scratch space for committed(), sized to the voters. */
  private matches: number[] = [];

  constructor(readonly maxInflight: number) {}

  /** Rebuilds the membership from a ConfState (restart or snapshot). */
  static fromConfState(cs: ConfState, maxInflight: number, lastIndex: number): ProgressTracker {
    const t = new ProgressTracker(maxInflight);
    for (const id of cs.voters) t.addVoter(id, lastIndex);
    for (const id of cs.learners) t.addLearner(id, lastIndex);
    return t;
  }

  /** Every member, voters and learners, ascending (a shared array: do not modify it). */
  ids(): readonly NodeId[] {
    this.sortedIds ??= [...this.progress.keys()].sort((a, b) => a - b);
    return this.sortedIds;
  }

  voterIds(): NodeId[] {
    return [...this.voters].sort((a, b) => a - b);
  }

  /** Calls fn for every member in ascending id order (the order messages are produced in). */
  visit(fn: (id: NodeId, pr: PeerProgress) => void): void {
    for (const id of this.ids()) fn(id, this.progress.get(id) as PeerProgress);
  }

  confState(): ConfState {
    return { voters: this.voterIds(), learners: [...this.learners].sort((a, b) => a - b) };
  }

  /** A one-voter cluster decides everything alone: no heartbeat round is needed to confirm. */
  isSingleton(): boolean {
    return this.voters.size === 1;
  }

  /** The highest index replicated on a majority of voters (§5.3); learners never count. */
  committed(): number {
    return committedIndex(this.voters, (id) => this.progress.get(id)?.match, this.matches);
  }

  /**
   * Whether a majority of voters was heard from since the flags were last cleared. The leader
   * counts itself as active: it is, by definition, hearing itself.
   */
  quorumActive(self: NodeId): boolean {
    return voteResult(this.voters, (id) => id === self || (this.progress.get(id)?.recentActive ?? false)) === 'Won';
  }

  resetVotes(): void {
    this.votes.clear();
  }

  /** Records `id`'s answer; only the first answer of each peer in an election counts. */
  recordVote(id: NodeId, granted: boolean): void {
    if (!this.votes.has(id)) this.votes.set(id, granted);
  }

  /** The election so far; only voters' answers count, so a learner's vote cannot elect anyone. */
  tallyVotes(): { granted: number; rejected: number; result: VoteResult } {
    let granted = 0;
    let rejected = 0;
    for (const id of this.voters) {
      const v = this.votes.get(id);
      if (v === true) granted++;
      else if (v === false) rejected++;
    }
    return { granted, rejected, result: voteResult(this.voters, (id) => this.votes.get(id)) };
  }

  /**
   * Applies one single-server change (§6; thesis §4.1). Adding a voter that is a learner promotes
   * it, keeping its progress; adding a learner that is a voter demotes it. A change that names
   * node 0, or repeats the current state, changes nothing.
   */
  apply(cc: ConfChange, lastIndex: number): void {
    if (cc.nodeId === 0) return;
    this.sortedIds = undefined;
    switch (cc.type) {
      case 'AddNode':
        this.addVoter(cc.nodeId, lastIndex);
        return;
      case 'AddLearnerNode':
        this.addLearner(cc.nodeId, lastIndex);
        return;
      case 'RemoveNode':
        this.voters.delete(cc.nodeId);
        this.learners.delete(cc.nodeId);
        this.progress.delete(cc.nodeId);
        return;
    }
  }

  /** Promotion keeps the learner's progress: what it replicated so far still holds. */
  private addVoter(id: NodeId, lastIndex: number): void {
    this.sortedIds = undefined;
    this.learners.delete(id);
    this.voters.add(id);
    const pr = this.progress.get(id);
    if (pr) pr.isLearner = false;
    else this.progress.set(id, this.newProgress(lastIndex, false));
  }

  /**
   * Demotion keeps the progress too. (A demoted leader steps down: see membership.ts.)
   */
  private addLearner(id: NodeId, lastIndex: number): void {
    this.sortedIds = undefined;
    this.voters.delete(id);
    this.learners.add(id);
    const pr = this.progress.get(id);
    if (pr) pr.isLearner = true;
    else this.progress.set(id, this.newProgress(lastIndex, true));
  }

  private newProgress(lastIndex: number, isLearner: boolean): PeerProgress {
    // Probing starts at the leader's last index: the first probe either succeeds at once or its
    // rejection hint says where the peer's log ends. A new member counts as recently active so
    // that a check-quorum round right after the change does not depose a healthy leader.
    const pr = new PeerProgress(Math.max(lastIndex, 1), this.maxInflight, isLearner);
    pr.recentActive = true;
    return pr;
  }
}
