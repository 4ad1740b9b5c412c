import { CompactedError, SnapshotOutOfDateError, UnavailableError } from './errors';
import type { ConfState, Entry, HardState, Snapshot } from './types';
import { EMPTY_HARD_STATE, emptySnapshot, entrySize } from './types';

/**
 * The core's read-only view of the stable log. The core calls it synchronously; the driver keeps
 * it in step with what it made durable (the file WAL replays into a MemoryStorage on restart).
 *
 * Errors: entries() and term() throw CompactedError below firstIndex() and UnavailableError past
 * lastIndex(); term(firstIndex() - 1) is the snapshot's term and is always available.
 */
export interface Storage {
  initialState(): { hardState: HardState; confState: ConfState };
  /** Entries in [lo, hi), at least one if any exist, and no more than maxSize bytes beyond the first. */
  entries(lo: number, hi: number, maxSize: number): Entry[];
  term(index: number): number;
  lastIndex(): number;
  firstIndex(): number;
  /**
   * The most recent snapshot; the leader sends it to a follower that needs compacted entries, and
   * the driver restores it on start. It may be read from disk on each call (DiskStorage keeps only
   * the metadata in memory), so callers that need only the metadata should not call it in a loop.
   * Throws SnapshotTemporarilyUnavailableError when the data cannot be produced now; the core
   * tries again later.
   */
  snapshot(): Snapshot;
}

/** Keeps the first entries whose total size stays within maxSize (always at least one). */
export function limitSize(ents: Entry[], maxSize: number): Entry[] {
  if (ents.length === 0) return ents;
  let size = entrySize(ents[0] as Entry);
  let n = 1;
  for (; n < ents.length; n++) {
    size += entrySize(ents[n] as Entry);
    if (size > maxSize) break;
  }
  return n === ents.length ? ents : ents.slice(0, n);
}

/**
 * A Storage held in memory. ents[0] is a dummy standing for the snapshot's last entry: its index
 * and term are the snapshot's, so term(firstIndex - 1) always answers.
 */
export class MemoryStorage implements Storage {
  private hardState: HardState = { ...EMPTY_HARD_STATE };
  private snap: Snapshot = emptySnapshot();
  private ents: Entry[] = [{ term: 0, index: 0, type: 'Normal', data: new Uint8Array(0) }];

  initialState(): { hardState: HardState; confState: ConfState } {
    return { hardState: { ...this.hardState }, confState: cloneConfState(this.snap.metadata.confState) };
  }

  setHardState(hs: HardState): void {
    this.hardState = { ...hs };
  }

  entries(lo: number, hi: number, maxSize: number): Entry[] {
    const offset = this.offset();
    if (lo <= offset) throw new CompactedError(lo, offset + 1);
    if (hi > this.lastIndex() + 1) throw new UnavailableError(hi - 1, this.lastIndex());
    if (lo >= hi) return [];
    return limitSize(this.ents.slice(lo - offset, hi - offset), maxSize);
  }

  term(index: number): number {
    const offset = this.offset();
    if (index < offset) throw new CompactedError(index, offset + 1);
    if (index - offset >= this.ents.length) throw new UnavailableError(index, this.lastIndex());
    return (this.ents[index - offset] as Entry).term;
  }

  lastIndex(): number {
    return this.offset() + this.ents.length - 1;
  }

  firstIndex(): number {
    return this.offset() + 1;
  }

  snapshot(): Snapshot {
    return this.snap;
  }

  /** Replaces the contents with a snapshot received from the leader (or read back from disk). */
  applySnapshot(snap: Snapshot): void {
    const current = this.snap.metadata.index;
    if (current >= snap.metadata.index) throw new SnapshotOutOfDateError(snap.metadata.index, current);
    this.snap = snap;
    this.ents = [{ term: snap.metadata.term, index: snap.metadata.index, type: 'Normal', data: new Uint8Array(0) }];
  }

  /**
   * Records a snapshot of the application's state at `index` (which must be applied and in the log).
   * The log is not compacted by this; call compact() afterwards, keeping some entries for slow followers.
   */
  createSnapshot(index: number, confState: ConfState, data: Uint8Array): Snapshot {
    if (index <= this.snap.metadata.index) throw new SnapshotOutOfDateError(index, this.snap.metadata.index);
    if (index > this.lastIndex()) throw new UnavailableError(index, this.lastIndex());
    this.snap = { data, metadata: { index, term: this.term(index), confState: cloneConfState(confState) } };
    return this.snap;
  }

  /** Discards entries up to and including compactIndex; the entry at compactIndex becomes the dummy. */
  compact(compactIndex: number): void {
    const offset = this.offset();
    if (compactIndex <= offset) throw new CompactedError(compactIndex, offset + 1);
    if (compactIndex > this.lastIndex()) throw new UnavailableError(compactIndex, this.lastIndex());
    const i = compactIndex - offset;
    const dummy = this.ents[i] as Entry;
    this.ents = [{ term: dummy.term, index: dummy.index, type: 'Normal', data: new Uint8Array(0) }, ...this.ents.slice(i + 1)];
  }

  /**
   * Appends entries, truncating any existing suffix they conflict with. Entries already compacted
   * are ignored. The entries must be contiguous and must not leave a gap after lastIndex().
   */
  append(entries: Entry[]): void {
    if (entries.length === 0) return;
    const first = this.firstIndex();
    const last = (entries[entries.length - 1] as Entry).index;
    if (last < first) return;
    let ents = entries;
    if (first > (ents[0] as Entry).index) ents = ents.slice(first - (ents[0] as Entry).index);
    const offset = (ents[0] as Entry).index - this.offset();
    if (offset > this.ents.length) {
      throw new UnavailableError((ents[0] as Entry).index, this.lastIndex());
    }
    // In place: copying the whole log on every append made each append cost O(log length).
    if (offset < this.ents.length) this.ents.length = offset;
    for (const e of ents) this.ents.push(e);
  }

  private offset(): number {
    return (this.ents[0] as Entry).index;
  }
}

export function cloneConfState(cs: ConfState): ConfState {
  return { voters: [...cs.voters], learners: [...cs.learners] };
}
