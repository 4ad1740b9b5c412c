/**
 * When a member snapshots its state machine and how far it then compacts the Raft log.
 *
 * Two triggers, as in etcd plus a memory bound: --snapshot-count applied entries since the last
 * snapshot, or snapshotLogBytes of applied entry data (the log lives in memory until compacted).
 * Behind a snapshot the log keeps at most catchUpEntries entries and at most catchUpBytes, so a
 * slightly lagging follower catches up from the log rather than by a whole snapshot.
 *
 * Invariant: `indexes`/`cumBytes` describe the applied entries still in the log (after
 * compactedTo), oldest first from `head`; cumBytes[i] is the total applied bytes through indexes[i].
 */
export interface SnapshotPolicyOptions {
  snapshotCount: number;
  snapshotLogBytes: number;
  catchUpEntries: number;
  catchUpBytes: number;
}

export class SnapshotPolicy {
  private indexes: number[] = [];
  private cumBytes: number[] = [];
  private head = 0;
  private appliedBytes = 0;
  private bytesAtSnapshot = 0;
  private compactedTo = 0;
  private lastSnapshotIndex = 0;

  constructor(private readonly opts: SnapshotPolicyOptions) {}

  /** An entry was applied. */
  applied(index: number, bytes: number): void {
    this.appliedBytes += bytes;
    this.indexes.push(index);
    this.cumBytes.push(this.appliedBytes);
  }

  /** A snapshot from the leader replaced the state and the log before it. */
  restored(index: number): void {
    this.lastSnapshotIndex = index;
    this.indexes = [];
    this.cumBytes = [];
    this.head = 0;
    this.bytesAtSnapshot = this.appliedBytes;
    this.compactedTo = Math.max(this.compactedTo, index);
  }

  /** Whether a snapshot at `applied` is due. */
  due(applied: number): boolean {
    if (applied <= this.lastSnapshotIndex) return false;
    return (
      applied - this.lastSnapshotIndex >= this.opts.snapshotCount ||
      this.appliedBytes - this.bytesAtSnapshot >= this.opts.snapshotLogBytes
    );
  }

  /** Applied bytes so far: pass the value read when the snapshot was taken to snapshotTaken(). */
  bytesApplied(): number {
    return this.appliedBytes;
  }

  snapshotTaken(index: number, bytesAtIndex: number): void {
    this.lastSnapshotIndex = index;
    this.bytesAtSnapshot = bytesAtIndex;
  }

  /**
   * Where to compact behind a snapshot at `applied` (always at least up to applied - catchUpEntries,
   * further when the entries kept would exceed catchUpBytes); 0 or less than compactedTo means nothing to do.
   */
  compactIndex(applied: number): number {
    let c = Math.max(0, applied - this.opts.catchUpEntries);
    let end = this.indexes.length;
    while (end > this.head && (this.indexes[end - 1] as number) > applied) end--;
    if (end === this.head) return c;
    const total = this.cumBytes[end - 1] as number;
    // Find the newest entry i (at or before applied) whose successors hold more than catchUpBytes;
    // compacting through i + 1 leaves at most catchUpBytes. (i < end - 1: nothing follows end - 1.)
    for (let i = end - 1; i >= this.head; i--) {
      if (total - (this.cumBytes[i] as number) > this.opts.catchUpBytes) {
        c = Math.max(c, this.indexes[i + 1] as number);
        break;
      }
    }
    return Math.min(c, applied);
  }

  needsCompaction(index: number): boolean {
    return index > this.compactedTo;
  }

  /** The log was compacted through `index`: drop the size records of those entries. */
  compacted(index: number): void {
    this.compactedTo = Math.max(this.compactedTo, index);
    while (this.head < this.indexes.length && (this.indexes[this.head] as number) <= index) this.head++;
    if (this.head > 4096) {
      this.indexes = this.indexes.slice(this.head);
      this.cumBytes = this.cumBytes.slice(this.head);
      this.head = 0;
    }
  }
}
