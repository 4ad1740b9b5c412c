import { CompactedError, UnavailableError } from './errors';
import { UnstableLog } from './log-unstable';
import type { Storage } from './storage';
import { limitSize } from './storage';
import type { Entry, Snapshot } from './types';

/**
 * The replicated log as the core sees it: the durable part in Storage followed by the unstable
 * tail. Indexes satisfy
 *
 *     firstIndex - 1 <= applied <= applying <= committed <= lastIndex
 *
 * `committed` never moves backwards and never past what this node holds (§5.3); entries at or
 * below it are never overwritten (Log Matching plus Leader Completeness, §5.4). `applying` is how
 * far committed entries were handed out in a Ready, `applied` how far the application confirmed.
 */
export class RaftLog {
  readonly unstable: UnstableLog;
  committed: number;
  applying: number;
  applied: number;

  constructor(
    readonly storage: Storage,
    private readonly maxApplyingSize: number,
  ) {
    const first = storage.firstIndex();
    const last = storage.lastIndex();
    this.unstable = new UnstableLog(last + 1);
    // Everything up to the snapshot is committed and applied by definition.
    this.committed = first - 1;
    this.applying = first - 1;
    this.applied = first - 1;
  }

  /** The first index still held; everything before it is in the snapshot (unstable or stored). */
  firstIndex(): number {
    return this.unstable.maybeFirstIndex() ?? this.storage.firstIndex();
  }

  /** The unstable tail, if any, always extends (or replaces the end of) what Storage holds. */
  lastIndex(): number {
    return this.unstable.maybeLastIndex() ?? this.storage.lastIndex();
  }

  /**
   * The last index the driver has reported durable (advance): everything before the unstable
   * tail. A leader's own copy counts toward commitment only up to here (thesis §10.2.1: the
   * leader writes in parallel with replication). A leader never has an unstable snapshot.
   */
  durableLastIndex(): number {
    return this.unstable.offset - 1;
  }

  lastTerm(): number {
    const t = this.term(this.lastIndex());
    if (t === undefined) throw new Error(`raft log: term of last index ${this.lastIndex()} unavailable`);
    return t;
  }

  /** The term at `i`, or undefined when `i` is compacted away or beyond the log. */
  term(i: number): number | undefined {
    const t = this.unstable.maybeTerm(i);
    if (t !== undefined) return t;
    // Valid range is [firstIndex - 1, lastIndex]: the entry before the first is the snapshot's.
    if (i < this.firstIndex() - 1 || i > this.lastIndex()) return undefined;
    try {
      return this.storage.term(i);
    } catch (err) {
      if (err instanceof CompactedError || err instanceof UnavailableError) return undefined;
      throw err;
    }
  }

  /**
   * Log Matching (§5.3): if two logs hold an entry with the same index and term, they are
   * identical up to it. So one comparison tells whether a whole prefix agrees.
   */
  matchTerm(i: number, term: number): boolean {
    return this.term(i) === term;
  }

  /**
   * §5.4.1: a log is at least as up-to-date as ours if its last term is higher, or equal with
   * an index at least as high. Granting votes only to such candidates is what guarantees that a
   * leader holds every committed entry.
   */
  isUpToDate(lastIndex: number, term: number): boolean {
    const ourTerm = this.lastTerm();
    return term > ourTerm || (term === ourTerm && lastIndex >= this.lastIndex());
  }

  /**
   * The follower half of AppendEntries (§5.3). If our log holds (index, logTerm), keep the
   * matching prefix of `ents`, overwrite from the first conflict, and advance commit to what
   * the leader committed but no further than the entries known to match. Returns the last
   * index known to match the leader, or undefined when the consistency check fails.
   */
  maybeAppend(index: number, logTerm: number, committed: number, ents: Entry[]): number | undefined {
    if (!this.matchTerm(index, logTerm)) return undefined;
    const lastNew = index + ents.length;
    const ci = this.findConflict(ents);
    if (ci !== 0) {
      // A conflict inside the committed prefix would mean two leaders disagree on a committed
      // entry: safety is already lost, so refuse to go on.
      if (ci <= this.committed) throw new Error(`raft log: entry ${ci} conflicts with committed entry (committed ${this.committed})`);
      this.append(ents.slice(ci - (index + 1)));
    }
    this.commitTo(Math.min(committed, lastNew));
    return lastNew;
  }

  /** Appends (possibly overwriting an uncommitted suffix); returns the new last index. */
  append(ents: Entry[]): number {
    if (ents.length === 0) return this.lastIndex();
    const after = (ents[0] as Entry).index - 1;
    if (after < this.committed) throw new Error(`raft log: append after ${after} is below committed ${this.committed}`);
    this.unstable.truncateAndAppend(ents);
    return this.lastIndex();
  }

  /**
   * The index of the first entry of `ents` whose term differs from ours at that index (or that
   * we do not have), or 0 if we hold them all. Entries are assumed contiguous.
   */
  findConflict(ents: Entry[]): number {
    for (const e of ents) {
      if (!this.matchTerm(e.index, e.term)) return e.index;
    }
    return 0;
  }

  /**
   * Fast log backtracking (§5.3, the optimisation the paper sketches): the largest index at or
   * below `index` whose term is at most `term`, with that term. Every entry above it has a term
   * greater than `term`, so it cannot match an entry the other side holds with term <= `term`:
   * whole terms are skipped in one round trip. An unknown term (compacted) is returned as 0,
   * meaning "may match".
   */
  findConflictByTerm(index: number, term: number): { index: number; term: number } {
    for (let i = index; i > 0; i--) {
      const ours = this.term(i);
      if (ours === undefined) return { index: i, term: 0 };
      if (ours <= term) return { index: i, term: ours };
    }
    return { index: 0, term: 0 };
  }

  /**
   * §5.4.2: a leader only commits by counting replicas for entries of its own term; earlier
   * entries are committed indirectly by the Log Matching property.
   */
  maybeCommit(maxIndex: number, term: number): boolean {
    if (maxIndex > this.committed && this.term(maxIndex) === term) {
      this.commitTo(maxIndex);
      return true;
    }
    return false;
  }

  /**
   * Moves commit forward (never back: a commit index learned from an old message must not undo
   * a newer one). Committing past our last index means the leader believes we hold entries
   * that we lost, i.e. storage lost acknowledged writes: fail loudly rather than diverge.
   */
  commitTo(toCommit: number): void {
    if (toCommit <= this.committed) return;
    if (toCommit > this.lastIndex()) {
      throw new Error(`raft log: commit ${toCommit} is out of range [last index ${this.lastIndex()}]; was the log lost?`);
    }
    this.committed = toCommit;
  }

  /** The application applied up to `i`; it may only apply committed entries, in order. */
  appliedTo(i: number): void {
    if (i === 0) return;
    if (i > this.committed || i < this.applied) {
      throw new Error(`raft log: applied ${i} is out of range [prev applied ${this.applied}, committed ${this.committed}]`);
    }
    this.applied = i;
    this.applying = Math.max(this.applying, i);
  }

  /** The driver made entries up to (i, term) durable. */
  stableTo(i: number, term: number): void {
    this.unstable.stableTo(i, term);
  }

  stableSnapTo(i: number): void {
    this.unstable.stableSnapTo(i);
  }

  nextUnstableEntries(): Entry[] {
    return this.unstable.nextEntries();
  }

  hasNextUnstableEntries(): boolean {
    return this.unstable.nextEntries().length > 0;
  }

  nextUnstableSnapshot(): Snapshot | undefined {
    return this.unstable.nextSnapshot();
  }

  /** A snapshot is unstable: until it is applied, no entry may be applied and no election run. */
  hasNextOrInProgressSnapshot(): boolean {
    return this.unstable.snapshot !== undefined;
  }

  /** Unstable entries and snapshot were handed out in a Ready; do not hand them out again. */
  acceptUnstable(): void {
    this.unstable.acceptInProgress();
  }

  /** Committed entries not yet handed out for applying, at most maxApplyingSize bytes (at least one). */
  nextCommittedEntries(): Entry[] {
    if (!this.hasNextCommittedEntries()) return [];
    const lo = Math.max(this.applying + 1, this.firstIndex());
    return this.slice(lo, this.committed + 1, this.maxApplyingSize);
  }

  hasNextCommittedEntries(): boolean {
    if (this.hasNextOrInProgressSnapshot()) return false;
    return Math.max(this.applying + 1, this.firstIndex()) <= this.committed;
  }

  /** Committed entries up to `i` were handed out in a Ready; do not hand them out again. */
  acceptApplying(i: number): void {
    this.applying = Math.max(this.applying, i);
  }

  /** The snapshot to send a follower; Storage may throw SnapshotTemporarilyUnavailableError. */
  snapshot(): Snapshot {
    return this.unstable.snapshot ?? this.storage.snapshot();
  }

  /** Entries from `i` to the end, within maxSize; undefined if `i` was compacted. */
  entries(i: number, maxSize: number): Entry[] | undefined {
    if (i > this.lastIndex()) return [];
    try {
      return this.slice(i, this.lastIndex() + 1, maxSize);
    } catch (err) {
      if (err instanceof CompactedError) return undefined;
      throw err;
    }
  }

  /** Entries in [lo, hi) within maxSize (at least one); throws CompactedError below firstIndex. */
  slice(lo: number, hi: number, maxSize: number): Entry[] {
    const first = this.firstIndex();
    if (lo < first) throw new CompactedError(lo, first);
    if (hi > this.lastIndex() + 1) throw new UnavailableError(hi - 1, this.lastIndex());
    if (lo >= hi) return [];
    const offset = this.unstable.offset;
    let ents: Entry[] = [];
    if (lo < offset) {
      const storedHi = Math.min(hi, offset);
      ents = this.storage.entries(lo, storedHi, maxSize);
      // Storage stopped early because of the size limit: the unstable part cannot fit either.
      if (ents.length < storedHi - lo) return ents;
    }
    if (hi > offset) {
      const tail = this.unstable.slice(Math.max(lo, offset), hi);
      ents = ents.length > 0 ? ents.concat(tail) : tail;
    }
    return limitSize(ents, maxSize);
  }

  /** Replaces the log with a snapshot (the follower side of InstallSnapshot, §7). */
  restore(s: Snapshot): void {
    this.committed = s.metadata.index;
    this.unstable.restore(s);
  }
}
