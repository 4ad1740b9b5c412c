import { KubemuError } from '@kubemu/base';

/** The requested index is below the storage's first index: it was compacted into a snapshot. */
export class CompactedError extends KubemuError {
  constructor(index: number, firstIndex: number) {
    super('RaftCompacted', `requested index ${index} is unavailable due to compaction (first index ${firstIndex})`);
  }
}

/** The requested index is past the storage's last index. */
export class UnavailableError extends KubemuError {
  constructor(index: number, lastIndex: number) {
    super('RaftUnavailable', `requested entry at index ${index} is unavailable (last index ${lastIndex})`);
  }
}

/** A snapshot is being produced and is not ready yet; the leader will retry later. */
export class SnapshotTemporarilyUnavailableError extends KubemuError {
  constructor() {
    super('RaftSnapshotTemporarilyUnavailable', 'snapshot is temporarily unavailable');
  }
}

/** The snapshot to apply is older than the one the storage already has. */
export class SnapshotOutOfDateError extends KubemuError {
  constructor(index: number, current: number) {
    super('RaftSnapshotOutOfDate', `requested snapshot at index ${index} is older than the existing snapshot at ${current}`);
  }
}

/**
 * A proposal was not accepted: there is no leader, this node is a learner, a leadership transfer
 * is in progress, or a conf change is already pending. The caller may retry.
 */
export class ProposalDroppedError extends KubemuError {
  constructor(reason: string) {
    super('RaftProposalDropped', `raft proposal dropped: ${reason}`);
  }
}

/** A message arrived that the node must not process (a local message from the network, an unknown peer's response). */
export class StepRejectedError extends KubemuError {
  constructor(reason: string) {
    super('RaftStepRejected', `raft: cannot step message: ${reason}`);
  }
}

/** The configuration handed to the core is unusable. */
export class ConfigError extends KubemuError {
  constructor(reason: string) {
    super('RaftConfig', `raft config: ${reason}`);
  }
}
