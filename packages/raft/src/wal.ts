import { constants as fsConstants, promises as fs } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import * as path from 'node:path';
import { CorruptionError, KubemuError, deferred, silentLogger } from '@kubemu/base';
import type { Deferred, Logger } from '@kubemu/base';
import type { Entry, HardState } from './types';
import { EMPTY_HARD_STATE } from './types';
import { BinaryWriter } from './wal-codec';
import { ensureDir, syncDir, writeFileAtomic, writeFully } from './wal-fs';
import { scanSegment, writeEntryRecords, writeRecord } from './wal-record';
import type { WalRecord } from './wal-record';
import { WalReplay } from './wal-replay';
import type { WalSnapshotMarker, WalState } from './wal-replay';

/**
 * The write-ahead log: Raft's hard state and entries, appended to segment files
 * `<seq:016x>-<firstIndex:016x>.wal` in one directory (record format: wal-record.ts).
 *
 * Invariants:
 *  - Only the last segment is ever written. A segment is fsynced before the next one is created,
 *    so a crash can tear only the tail of the last segment.
 *  - A segment is born whole: header, current snapshot marker and hard state are written to a
 *    `.tmp` file, fsynced and renamed. Each segment therefore restates the state that older
 *    segments carried, which is what lets releaseTo() delete them.
 *  - `firstIndex` in a name is one past the last index the log held when the segment was created
 *    (an upper bound: entries written in earlier segments and still live are all below it).
 *  - save() resolves only after its records are fsynced when mustSync is set: the caller may then
 *    send messages vouching for them.
 *  - Group commit: saves made while earlier writes are in flight are written together, in call
 *    order, with one write and one fsync. Records of saves without mustSync (hard-state changes a
 *    crash may lose, such as a new commit index) stay in memory until the next synced save,
 *    segment cut or close writes them ahead of its own, as etcd's WAL buffers them.
 *  - Preallocation: the last segment is kept zero-filled for up to `preallocateBytes` past its
 *    last record, so a synced write lands in space the file already has and need not also make
 *    the file's new size durable. etcd preallocates its segments for the same reason. A fill never
 *    covers a range a save is writing (a save that would reach into a fill in flight waits for it),
 *    and counts only once it is durable, so what follows the last record after a crash is zeros
 *    or a torn write, never stale disk blocks. Only the last segment has such a tail: fills stop
 *    at the segment size, and a segment is cut only once its records reach it. Open truncates the
 *    tail it finds, and fills anew.
 */

export const DEFAULT_SEGMENT_BYTES = 64 * 1024 * 1024;
export const DEFAULT_PREALLOCATE_BYTES = 2 * 1024 * 1024;

/**
 * The segment being appended to is opened with O_DSYNC where the platform has it: each write
 * then returns only once its data is durable (what write plus fdatasync would give), in one
 * system call and one trip through Node's thread pool instead of two. Without it, saves fsync.
 */
const DSYNC: number | undefined = fsConstants.O_DSYNC;
const APPEND_FLAGS = fsConstants.O_RDWR | (DSYNC ?? 0);
const SEGMENT_NAME = /^([0-9a-f]{16})-([0-9a-f]{16})\.wal$/;

export interface WalOptions {
  /** A segment is cut once it grows past this size (default 64 MiB). */
  segmentBytes?: number;
  /**
   * How far past its last record the last segment is kept zero-filled (default 2 MiB; 0 turns
   * preallocation off). A new fill starts once less than half of it is left.
   */
  preallocateBytes?: number;
  logger?: Logger;
}

export interface WalSaveOptions {
  /** fsync before resolving (default true). Ready.mustSync says when it is required. */
  mustSync?: boolean;
  /** A snapshot marker written before the entries and hard state (always fsynced). */
  snapshot?: WalSnapshotMarker & { replacesLog: boolean };
}

export interface WalOpenResult extends WalState {
  wal: Wal;
  /** The directory held no segment: this is a new, empty log. */
  created: boolean;
}

/** The WAL was closed; nothing more may be written through this instance. */
export class WalClosedError extends KubemuError {
  constructor(dir: string) {
    super('WalClosed', `WAL ${dir} is closed`);
  }
}

/** An earlier write or fsync failed, so what is on disk is unknown: the process must restart and replay. */
export class WalFailedError extends KubemuError {
  constructor(dir: string, cause: unknown) {
    super('WalFailed', `WAL ${dir} failed earlier and refuses further writes`, { cause });
  }
}

interface Segment {
  seq: number;
  firstIndex: number;
}

/** Saves waiting for their turn in the queue; later saves join it until it starts. */
interface SaveBatch {
  chunks: Uint8Array[];
  mustSync: boolean;
  /** The WAL's bookkeeping for each save, applied in order once the records are written. */
  updates: Array<() => void>;
  done: Deferred<void>;
}

export class Wal {
  private queue: Promise<unknown> = Promise.resolve();
  private failure: unknown = undefined;
  private closed = false;
  /** The queued batch that new saves join (undefined once it started, or after another operation was queued). */
  private openBatch: SaveBatch | undefined;
  /** Records of unsynced saves, not yet written (see the group-commit invariant). */
  private unwritten: Uint8Array[] = [];
  /**
   * Told how long each synced batch took to write and reach stable storage (one call per fsync,
   * or per O_DSYNC write): for metrics only, so it reads the process clock rather than a Clock.
   */
  onSync: ((seconds: number) => void) | undefined;
  /** The last segment's length: `pos`, or beyond it the end of zeros made durable by a fill. */
  private allocEnd: number;
  /** The fill in flight (it never rejects: a failed fill fails the WAL), and where it starts. */
  private filling: Promise<void> | undefined;
  private fillStart = 0;

  private constructor(
    readonly dir: string,
    private segs: Segment[],
    private file: FileHandle,
    /** Size of the last segment: where the next record goes. */
    private pos: number,
    /** The last index the log holds (the snapshot index when it holds none); never below the truth. */
    private lastIndex: number,
    private hardState: HardState,
    private snapshot: WalSnapshotMarker,
    private readonly segmentBytes: number,
    private readonly preallocateBytes: number,
    private readonly logger: Logger,
  ) {
    this.allocEnd = pos;
  }

  /**
   * Opens the WAL in `dir`, creating it when absent, and replays it. A torn tail of the last
   * segment is truncated away with a warning (preallocated zeros silently); damage anywhere else
   * is a CorruptionError.
   */
  static async open(dir: string, opts: WalOptions = {}): Promise<WalOpenResult> {
    const logger = opts.logger ?? silentLogger('wal');
    const segmentBytes = opts.segmentBytes ?? DEFAULT_SEGMENT_BYTES;
    const prealloc = opts.preallocateBytes ?? DEFAULT_PREALLOCATE_BYTES;
    await ensureDir(dir);
    const segs = await listSegments(dir, logger);
    if (segs.length === 0) {
      const state: WalState = { hardState: { ...EMPTY_HARD_STATE }, entries: [], snapshot: { index: 0, term: 0 } };
      const first: Segment = { seq: 0, firstIndex: 1 };
      const { file, size } = await createSegment(dir, first, state.snapshot, state.hardState);
      const wal = new Wal(dir, [first], file, size, 0, state.hardState, state.snapshot, segmentBytes, prealloc, logger);
      wal.prefill();
      return { wal, created: true, ...state };
    }
    const replay = new WalReplay();
    let lastEnd = 0;
    for (const [i, seg] of segs.entries()) {
      const file = path.join(dir, segmentName(seg));
      const isLast = i === segs.length - 1;
      const buf = await fs.readFile(file);
      const scan = scanSegment(buf, file, isLast);
      const header = scan.records[0]?.record;
      if (header?.type !== 'segmentHeader' || header.seq !== seg.seq) {
        throw new CorruptionError(`WAL: ${file} does not start with its own segment header`);
      }
      for (const { record, offset } of scan.records) replay.apply(record, file, offset);
      if (scan.validEnd < buf.length) {
        // Zeros preallocated by the last run are dropped too: whether they were made durable is
        // not known, so new ones are written.
        if (scan.torn !== undefined) logger.warn('WAL: truncating torn tail', { file, reason: scan.torn, validEnd: scan.validEnd });
        const fh = await fs.open(file, 'r+');
        try {
          await fh.truncate(scan.validEnd);
          await fh.datasync();
        } finally {
          await fh.close();
        }
      }
      if (isLast) lastEnd = scan.validEnd;
    }
    const state = replay.finish();
    const lastIndex = state.entries[state.entries.length - 1]?.index ?? state.snapshot.index;
    const tail = segs[segs.length - 1] as Segment;
    const file = await fs.open(path.join(dir, segmentName(tail)), APPEND_FLAGS);
    const wal = new Wal(dir, segs, file, lastEnd, lastIndex, state.hardState, state.snapshot, segmentBytes, prealloc, logger);
    wal.prefill();
    return { wal, created: false, ...state };
  }

  /**
   * Appends entries (a batch starting at index i supersedes everything at or after i) and then the
   * hard state. With mustSync (the default) the promise resolves only once they are on stable storage.
   */
  save(hardState: HardState | undefined, entries: readonly Entry[], opts: WalSaveOptions = {}): Promise<void> {
    // Encoded before queueing: a value that cannot be encoded is the caller's error and must not
    // mark the WAL failed, since nothing was written.
    // Sized for what is written (records add a few dozen bytes each), not a fixed page per save.
    let estimate = 256;
    for (const e of entries) estimate += e.data.length + 32;
    const w = new BinaryWriter(estimate);
    const snap = opts.snapshot;
    try {
      if (snap !== undefined) writeRecord(w, { type: 'snapshot', ...snap });
      writeEntryRecords(w, entries);
      if (hardState !== undefined) writeRecord(w, { type: 'hardState', hardState });
    } catch (err) {
      return Promise.reject(err);
    }
    if (this.closed) return Promise.reject(new WalClosedError(this.dir));
    if (w.length === 0) return this.run(() => Promise.resolve());
    const hs = hardState === undefined ? undefined : { ...hardState };
    const last = entries[entries.length - 1];
    let batch = this.openBatch;
    if (batch === undefined) {
      const b: SaveBatch = { chunks: [], mustSync: false, updates: [], done: deferred<void>() };
      this.run(() => this.writeBatch(b)).then(
        () => b.done.resolve(),
        (err: unknown) => b.done.reject(err),
      );
      this.openBatch = batch = b;
    }
    batch.chunks.push(w.finish());
    batch.mustSync ||= (opts.mustSync ?? true) || snap !== undefined;
    batch.updates.push(() => {
      if (snap !== undefined) {
        this.snapshot = { index: snap.index, term: snap.term };
        // Without replacesLog the entries above the snapshot stay, so the last index stays too.
        this.lastIndex = snap.replacesLog ? snap.index : Math.max(this.lastIndex, snap.index);
      }
      if (last !== undefined) this.lastIndex = last.index;
      if (hs !== undefined) this.hardState = hs;
    });
    return batch.done.promise;
  }

  /** Records that the log now starts after `marker` (a snapshot was saved); always fsynced. */
  saveSnapshotMarker(marker: WalSnapshotMarker, replacesLog = false): Promise<void> {
    return this.save(undefined, [], { snapshot: { ...marker, replacesLog } });
  }

  /**
   * Deletes the oldest segments whose live entries all lie at or below `index`, which is capped at
   * the last snapshot marker written (what a snapshot does not cover must stay). Returns how many.
   */
  releaseTo(index: number): Promise<number> {
    this.openBatch = undefined; // saves made after this call are written after it
    return this.run(async () => {
      const limit = Math.min(index, this.snapshot.index);
      // Segments 0..k may go when segment k+1 was created with the log ending at or below limit:
      // anything they hold that is still live is then covered by the snapshot.
      let k = -1;
      for (let i = 0; i + 1 < this.segs.length; i++) {
        if ((this.segs[i + 1] as Segment).firstIndex - 1 <= limit) k = i;
      }
      if (k < 0) return 0;
      // Oldest first, so a crash part-way leaves a suffix of segments, which replays the same.
      for (const seg of this.segs.slice(0, k + 1)) await fs.unlink(path.join(this.dir, segmentName(seg)));
      await syncDir(this.dir);
      this.segs = this.segs.slice(k + 1);
      return k + 1;
    });
  }

  /** Names of the segment files, oldest first. */
  segmentNames(): string[] {
    return this.segs.map(segmentName);
  }

  /** Waits for queued writes, then closes the file. Further calls fail with WalClosedError. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.queue.then(
      () => undefined,
      () => undefined,
    );
    await this.filling;
    try {
      if (this.failure === undefined) await this.writeUnwritten();
    } finally {
      await this.file.close();
    }
  }

  /** One queued batch of saves: a single write (after any unwritten records) and one fsync if any save needs it. */
  private async writeBatch(b: SaveBatch): Promise<void> {
    if (this.openBatch === b) this.openBatch = undefined;
    if (!b.mustSync) {
      this.unwritten.push(...b.chunks);
      for (const u of b.updates) u();
      return;
    }
    this.unwritten.push(...b.chunks);
    const start = performance.now();
    await this.writeUnwritten();
    for (const u of b.updates) u();
    if (DSYNC === undefined) await this.file.datasync();
    this.onSync?.((performance.now() - start) / 1000);
    if (this.pos >= this.segmentBytes) await this.cut();
    this.prefill();
  }

  private async writeUnwritten(): Promise<void> {
    if (this.unwritten.length === 0) return;
    const data = this.unwritten.length === 1 ? (this.unwritten[0] as Uint8Array) : Buffer.concat(this.unwritten);
    this.unwritten = [];
    if (this.filling !== undefined && this.pos + data.length > this.fillStart) await this.awaitFill();
    await writeFully(this.file, data, this.pos);
    this.pos += data.length;
    this.allocEnd = Math.max(this.allocEnd, this.pos);
  }

  /**
   * Starts zero-filling the last segment ahead of its records when less than half of
   * `preallocateBytes` is left (see the preallocation invariant), up to the segment size.
   * Synced saves then overwrite zeros instead of growing the file.
   */
  private prefill(): void {
    if (this.filling !== undefined || this.closed || this.failure !== undefined) return;
    if (this.allocEnd - this.pos >= this.preallocateBytes / 2) return;
    const start = Math.max(this.allocEnd, this.pos);
    const end = Math.min(this.segmentBytes, this.pos + this.preallocateBytes);
    // Also true once the segment is full: no fill starts while a cut is due or under way.
    if (end <= start) return;
    const file = this.file;
    this.fillStart = start;
    this.filling = (async () => {
      await writeFully(file, zeros(end - start), start);
      if (DSYNC === undefined) await file.datasync();
    })().then(
      () => {
        this.filling = undefined;
        this.allocEnd = Math.max(this.allocEnd, end);
        this.prefill();
      },
      (err: unknown) => {
        this.filling = undefined;
        // What the failed fill left past `pos` is unknown, as after a failed save: restart and replay.
        this.failure ??= err;
        this.logger.error('WAL: preallocating the segment failed', { dir: this.dir, err: String(err) });
      },
    );
  }

  /** Waits for the fill in flight; a failed fill fails the WAL. */
  private async awaitFill(): Promise<void> {
    await this.filling;
    if (this.failure !== undefined) throw new WalFailedError(this.dir, this.failure);
  }

  /** Runs write operations one at a time, in call order; after one fails, refuses the rest. */
  private run<T>(op: () => Promise<T>): Promise<T> {
    if (this.closed) return Promise.reject(new WalClosedError(this.dir));
    const result = this.queue.then(async () => {
      if (this.failure !== undefined) throw new WalFailedError(this.dir, this.failure);
      try {
        return await op();
      } catch (err) {
        this.failure = err;
        throw err;
      }
    });
    this.queue = result.catch(() => undefined);
    return result;
  }

  /** Starts a new segment once the current one is full. */
  private async cut(): Promise<void> {
    // The segment being left must be whole on disk: only the last segment may have a torn tail.
    await this.writeUnwritten();
    if (DSYNC === undefined) await this.file.datasync();
    // Fills stop at the segment size, which the records have now reached: the segment being left
    // has no zeros past its last record, and no fill is still writing to it.
    await this.awaitFill();
    const seg: Segment = { seq: (this.segs[this.segs.length - 1] as Segment).seq + 1, firstIndex: this.lastIndex + 1 };
    const { file, size } = await createSegment(this.dir, seg, this.snapshot, this.hardState);
    await this.file.close();
    this.file = file;
    this.pos = size;
    this.allocEnd = size;
    this.segs.push(seg);
    this.logger.debug('WAL: cut segment', { segment: segmentName(seg) });
  }
}

/** Zeros to preallocate with; one buffer, shared by every WAL (nothing writes to it). */
let zeroBuf = Buffer.alloc(0);
function zeros(n: number): Buffer {
  if (zeroBuf.length < n) zeroBuf = Buffer.alloc(n);
  return zeroBuf.subarray(0, n);
}

function segmentName(seg: Segment): string {
  return `${seg.seq.toString(16).padStart(16, '0')}-${seg.firstIndex.toString(16).padStart(16, '0')}.wal`;
}

/** Segments in `dir` by sequence number; leftover `.tmp` files of an interrupted cut are removed. */
async function listSegments(dir: string, logger: Logger): Promise<Segment[]> {
  const segs: Segment[] = [];
  for (const name of await fs.readdir(dir)) {
    if (name.endsWith('.tmp')) {
      logger.warn('WAL: removing leftover temporary file', { file: path.join(dir, name) });
      await fs.unlink(path.join(dir, name));
      continue;
    }
    const m = SEGMENT_NAME.exec(name);
    if (m === null) continue;
    segs.push({ seq: parseInt(m[1] as string, 16), firstIndex: parseInt(m[2] as string, 16) });
  }
  segs.sort((a, b) => a.seq - b.seq);
  for (let i = 1; i < segs.length; i++) {
    const prev = segs[i - 1] as Segment;
    if ((segs[i] as Segment).seq !== prev.seq + 1) {
      throw new CorruptionError(`WAL: segment ${prev.seq + 1} is missing from ${dir}`);
    }
  }
  return segs;
}

/**
 * Creates a segment atomically with its header, the snapshot marker and hard state that are
 * current, and opens it for appending.
 */
async function createSegment(
  dir: string,
  seg: Segment,
  snapshot: WalSnapshotMarker,
  hardState: HardState,
): Promise<{ file: FileHandle; size: number }> {
  const w = new BinaryWriter();
  const records: WalRecord[] = [
    { type: 'segmentHeader', seq: seg.seq, firstIndex: seg.firstIndex },
    { type: 'snapshot', index: snapshot.index, term: snapshot.term, replacesLog: false },
    { type: 'hardState', hardState },
  ];
  for (const rec of records) writeRecord(w, rec);
  const file = path.join(dir, segmentName(seg));
  await writeFileAtomic(file, w.finish());
  return { file: await fs.open(file, APPEND_FLAGS), size: w.length };
}
