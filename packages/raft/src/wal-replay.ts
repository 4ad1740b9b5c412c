import { CorruptionError } from '@kubemu/base';
import type { Entry, HardState } from './types';
import { EMPTY_HARD_STATE } from './types';
import type { WalRecord } from './wal-record';

/** The snapshot the log starts after: entries at or below `index` live only in the snapshot. */
export interface WalSnapshotMarker {
  index: number;
  term: number;
}

export interface WalState {
  hardState: HardState;
  /** Entries after `snapshot.index`, contiguous from snapshot.index + 1. */
  entries: Entry[];
  snapshot: WalSnapshotMarker;
}

/**
 * Rebuilds the log from WAL records in write order, the way MemoryStorage would have evolved:
 *  - an entries batch starting at index i replaces everything at or after i (a new leader
 *    overwrote an uncommitted suffix), then appends;
 *  - a snapshot marker compacts the log up to its index, and with replacesLog drops it whole.
 *
 * Segments entirely below a snapshot may have been released, so the first segment replayed can
 * start with entries after a hole; the hole must be covered by a later snapshot marker, which
 * finish() checks.
 */
export class WalReplay {
  private hardState: HardState = { ...EMPTY_HARD_STATE };
  private snapshot: WalSnapshotMarker = { index: 0, term: 0 };
  /** Contiguous entries; ents[0].index is the first index held. */
  private ents: Entry[] = [];

  /** Applies the next record; file and offset only name it in errors. */
  apply(rec: WalRecord, file: string, offset: number): void {
    switch (rec.type) {
      case 'segmentHeader':
        return;
      case 'hardState':
        this.hardState = rec.hardState;
        return;
      case 'snapshot':
        this.applySnapshot(rec.index, rec.term, rec.replacesLog);
        return;
      case 'entries':
        this.append(rec.entries, file, offset);
        return;
    }
  }

  finish(): WalState {
    const first = this.ents[0];
    let entries = this.ents;
    if (first !== undefined && first.index <= this.snapshot.index) {
      entries = this.ents.slice(Math.min(this.ents.length, this.snapshot.index + 1 - first.index));
    }
    const head = entries[0];
    if (head !== undefined && head.index !== this.snapshot.index + 1) {
      throw new CorruptionError(
        `WAL: entries ${this.snapshot.index + 1}..${head.index - 1} are missing after snapshot ${this.snapshot.index} (a segment was lost)`,
      );
    }
    return { hardState: this.hardState, entries, snapshot: this.snapshot };
  }

  private applySnapshot(index: number, term: number, replacesLog: boolean): void {
    if (index < this.snapshot.index) {
      throw new CorruptionError(`WAL: snapshot marker ${index} goes back from ${this.snapshot.index}`);
    }
    this.snapshot = { index, term };
    const first = this.ents[0];
    if (replacesLog || first === undefined) {
      this.ents = [];
    } else if (first.index <= index) {
      this.ents = this.ents.slice(Math.min(this.ents.length, index + 1 - first.index));
    }
  }

  private append(batch: Entry[], file: string, offset: number): void {
    // Entries the snapshot already covers are ignored, as MemoryStorage.append does.
    let ents = batch;
    const firstBatch = ents[0];
    if (firstBatch === undefined) return;
    if (firstBatch.index <= this.snapshot.index) ents = ents.slice(this.snapshot.index + 1 - firstBatch.index);
    const head = ents[0];
    if (head === undefined) return;
    for (let i = 1; i < ents.length; i++) {
      if ((ents[i] as Entry).index !== head.index + i) {
        throw new CorruptionError(`WAL: non-contiguous entries batch in ${file} at offset ${offset}`);
      }
    }
    const first = this.ents[0];
    if (first === undefined || head.index <= first.index) {
      this.ents = [...ents];
      return;
    }
    const last = first.index + this.ents.length - 1;
    if (head.index > last + 1) {
      throw new CorruptionError(`WAL: entries jump from ${last} to ${head.index} in ${file} at offset ${offset}`);
    }
    // In place: replay is a long run of appends, and copying the log per record would be quadratic.
    this.ents.length = head.index - first.index;
    for (const e of ents) this.ents.push(e);
  }
}
