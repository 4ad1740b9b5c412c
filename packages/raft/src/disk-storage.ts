import * as path from 'node:path';
import { CorruptionError, silentLogger } from '@kubemu/base';
import { SnapshotOutOfDateError, SnapshotTemporarilyUnavailableError } from './errors';
import type { Logger } from '@kubemu/base';
import { MemoryStorage, cloneConfState } from './storage';
import type { Storage } from './storage';
import type { ConfState, Entry, HardState, Ready, Snapshot } from './types';
import { isEmptySnapshot } from './types';
import { Snapshotter, snapshotName } from './snapshotter';
import { ensureDir } from './wal-fs';
import { Wal } from './wal';

/**
 * What a node driver needs from stable storage: make a Ready's snapshot, entries and hard state
 * durable (fsynced when rd.mustSync) and visible through the core's Storage before resolving.
 */
export interface ReadyPersister {
  persistReady(rd: Ready): Promise<void>;
}

/** Applies a Ready's persistent parts to a MemoryStorage, in the order a restart would replay them. */
export function applyReadyToMemory(mem: MemoryStorage, rd: Ready): void {
  if (rd.snapshot !== undefined && !isEmptySnapshot(rd.snapshot)) mem.applySnapshot(rd.snapshot);
  mem.append(rd.entries);
  if (rd.hardState !== undefined) mem.setHardState(rd.hardState);
}

/** A persister with no disk, for tests and simulations: "durable" means "in this MemoryStorage". */
export class MemoryPersister implements ReadyPersister {
  constructor(readonly storage: MemoryStorage = new MemoryStorage()) {}

  persistReady(rd: Ready): Promise<void> {
    applyReadyToMemory(this.storage, rd);
    return Promise.resolve();
  }
}

export interface DiskStorageOptions {
  logger?: Logger;
  /** WAL segment size (default 64 MiB). */
  segmentBytes?: number;
  /** Snapshot files kept on disk (default 5). */
  keepSnapshots?: number;
}

/** The snapshot with its data left out: what the MemoryStorage of a DiskStorage holds. */
function metadataOnly(snap: Snapshot): Snapshot {
  return { metadata: snap.metadata, data: new Uint8Array(0) };
}

/**
 * Raft's stable storage on disk: `<dir>/wal/` (wal.ts) and `<dir>/snap/` (snapshotter.ts), served
 * to the core from a MemoryStorage that mirrors what is durable.
 *
 * The MemoryStorage holds the newest snapshot's metadata only: its data (the whole application
 * state, possibly hundreds of MiB) is on disk, and snapshot() reads it back from the file when
 * the core asks (a leader sending it to a lagging follower, the driver restoring on start).
 *
 * Invariants:
 *  - The MemoryStorage changes only after the disk write it mirrors completed, so the core never
 *    reads (or sends to a peer) log state that a crash could take back.
 *  - A snapshot file is durable before the WAL marker that refers to it. On open, the WAL's last
 *    marker names the snapshot to load; snapshot files newer than it were never recorded (the crash
 *    came between the two writes), were never acknowledged, and are set aside (`.unrecorded`).
 *  - Disk-changing operations take effect in call order, whichever caller they come from (the
 *    driver's persistReady, the application's createSnapshot/compact), and the memory mirror is
 *    updated in that order too. persistReady hands its records to the WAL at once when nothing
 *    queued before it writes later (so consecutive Readys share the WAL's group commit).
 */
export class DiskStorage implements Storage, ReadyPersister {
  private queue: Promise<unknown> = Promise.resolve();
  /** Queued operations that write the WAL when their turn comes (see lateWrite). */
  private lateWriters = 0;
  /** The data snapshot() last read (or open() loaded), while something else still holds it. */
  private cached: { index: number; data: WeakRef<Uint8Array> } | undefined;

  private constructor(
    readonly dir: string,
    /** The core's view; mirrors what is durable. */
    readonly memory: MemoryStorage,
    private readonly wal: Wal,
    private readonly snapshotter: Snapshotter,
    private readonly keepSnapshots: number,
    private readonly logger: Logger,
  ) {}

  /** Calls `fn` with the duration of every WAL sync (etcd's etcd_disk_wal_fsync_duration_seconds), instead of any earlier fn. */
  onWalSync(fn: (seconds: number) => void): void {
    this.wal.onSync = fn;
  }

  /** Opens (creating when absent) the data directory and loads the newest snapshot and the WAL after it. */
  static async open(dir: string, opts: DiskStorageOptions = {}): Promise<DiskStorage> {
    const logger = opts.logger ?? silentLogger('disk-storage');
    await ensureDir(dir);
    const snapshotter = await Snapshotter.open(path.join(dir, 'snap'), { logger });
    const walOpts = opts.segmentBytes === undefined ? { logger } : { logger, segmentBytes: opts.segmentBytes };
    const { wal, created, hardState, entries, snapshot: marker } = await Wal.open(path.join(dir, 'wal'), walOpts);
    try {
      const memory = new MemoryStorage();
      let loaded: Snapshot | undefined;
      const snaps = await snapshotter.list();
      if (created && snaps.length > 0) {
        // Starting afresh would forget this member's term and vote: refuse, an operator must look.
        throw new CorruptionError(`${dir}: snapshots exist but the WAL is missing (a new, empty WAL was just created)`);
      }
      const unrecorded = snaps.filter((i) => i.index > marker.index);
      if (unrecorded.length > 0) {
        logger.warn('disk-storage: setting aside snapshots the WAL never recorded', { files: unrecorded.map((i) => i.name) });
        await snapshotter.setAside(unrecorded.map((i) => i.name), 'unrecorded');
      }
      if (marker.index > 0) {
        const snap = await snapshotter.loadNewest((i) => i.index === marker.index && i.term === marker.term);
        if (snap === undefined) {
          throw new CorruptionError(
            `${dir}: the WAL starts after snapshot ${marker.term}/${marker.index}, whose file in ${snapshotter.dir} is missing or corrupt`,
          );
        }
        memory.applySnapshot(metadataOnly(snap));
        loaded = snap;
      }
      memory.append(entries);
      memory.setHardState(hardState);
      if (hardState.commit > memory.lastIndex()) {
        throw new CorruptionError(`${dir}: commit index ${hardState.commit} is past the last log index ${memory.lastIndex()}`);
      }
      const storage = new DiskStorage(dir, memory, wal, snapshotter, opts.keepSnapshots ?? 5, logger);
      // The driver's start() asks for the snapshot right away: spare it a second read if it can.
      if (loaded !== undefined) storage.cached = { index: loaded.metadata.index, data: new WeakRef(loaded.data) };
      return storage;
    } catch (err) {
      await wal.close();
      throw err;
    }
  }

  initialState(): { hardState: HardState; confState: ConfState } {
    return this.memory.initialState();
  }

  entries(lo: number, hi: number, maxSize: number): Entry[] {
    return this.memory.entries(lo, hi, maxSize);
  }

  term(index: number): number {
    return this.memory.term(index);
  }

  lastIndex(): number {
    return this.memory.lastIndex();
  }

  firstIndex(): number {
    return this.memory.firstIndex();
  }

  /**
   * The newest snapshot, its data read synchronously from its file (the core calls this only when
   * it must send or restore one). Throws SnapshotTemporarilyUnavailableError, after logging why,
   * when the file cannot be read or fails its checks: the core retries later.
   */
  snapshot(): Snapshot {
    const meta = this.memory.snapshot();
    if (isEmptySnapshot(meta)) return meta;
    const { index, term } = meta.metadata;
    const cached = this.cached?.index === index ? this.cached.data.deref() : undefined;
    if (cached !== undefined) return { metadata: meta.metadata, data: cached };
    let data: Uint8Array;
    try {
      data = this.snapshotter.loadSync({ name: snapshotName(term, index), term, index }).data;
    } catch (err) {
      this.logger.error('disk-storage: cannot read the newest snapshot', { term, index, error: String(err) });
      throw new SnapshotTemporarilyUnavailableError();
    }
    this.cached = { index, data: new WeakRef(data) };
    return { metadata: meta.metadata, data };
  }

  /**
   * Persists a Ready: a received snapshot first (its file, then a WAL marker that replaces the log),
   * then entries and hard state, fsynced when rd.mustSync; then mirrors them into memory.
   * The caller may send rd.messages once this resolves.
   */
  persistReady(rd: Ready): Promise<void> {
    const snap = rd.snapshot !== undefined && !isEmptySnapshot(rd.snapshot) ? rd.snapshot : undefined;
    if (snap === undefined && this.lateWriters === 0) {
      // Nothing queued here writes the WAL later than its call: hand the records to the WAL now,
      // so that they join the WAL's group commit with Readys persisted while this one waits.
      const saved = rd.hardState !== undefined || rd.entries.length > 0 ? this.wal.save(rd.hardState, rd.entries, { mustSync: rd.mustSync }) : undefined;
      // Awaited below in turn; marked handled now so a failure is not reported before then.
      saved?.catch(() => undefined);
      return this.serial(async () => {
        await saved;
        applyReadyToMemory(this.memory, rd);
      });
    }
    return this.lateWrite(async () => {
      if (snap !== undefined) {
        await this.snapshotter.save(snap);
        const marker = { index: snap.metadata.index, term: snap.metadata.term, replacesLog: true };
        await this.wal.save(rd.hardState, rd.entries, { mustSync: true, snapshot: marker });
      } else if (rd.hardState !== undefined || rd.entries.length > 0) {
        await this.wal.save(rd.hardState, rd.entries, { mustSync: rd.mustSync });
      }
      applyReadyToMemory(this.memory, snap === undefined ? rd : { ...rd, snapshot: metadataOnly(snap) });
      if (snap !== undefined) await this.releaseBelow(snap.metadata.index);
    });
  }

  /**
   * Queues an operation that writes the WAL only when its turn comes. While one is queued,
   * persistReady takes the same path, so WAL writes keep the order of the calls.
   */
  private lateWrite<T>(op: () => Promise<T>): Promise<T> {
    this.lateWriters++;
    return this.serial(async () => {
      try {
        return await op();
      } finally {
        this.lateWriters--;
      }
    });
  }

  /**
   * Records the application's state at `index` (applied, and still in the log) as the newest
   * snapshot: durable file, then WAL marker. The log is not compacted; call compact() for that.
   */
  createSnapshot(index: number, confState: ConfState, data: Uint8Array): Promise<Snapshot> {
    return this.lateWrite(async () => {
      const current = this.memory.snapshot().metadata.index;
      if (index <= current) throw new SnapshotOutOfDateError(index, current);
      const term = this.memory.term(index); // throws UnavailableError past the last index
      const snap: Snapshot = { data, metadata: { index, term, confState: cloneConfState(confState) } };
      // File and marker first: the core may read the snapshot back as soon as memory names it.
      await this.snapshotter.save(snap);
      await this.wal.saveSnapshotMarker({ index, term });
      this.memory.createSnapshot(index, confState, new Uint8Array(0));
      await this.snapshotter.purge(this.keepSnapshots);
      return snap;
    });
  }

  /**
   * Discards in-memory entries up to `compactIndex` (keep some below the snapshot for slow
   * followers by passing less than its index) and deletes WAL segments the snapshot covers.
   */
  compact(compactIndex: number): Promise<void> {
    return this.lateWrite(async () => {
      this.memory.compact(compactIndex);
      await this.wal.releaseTo(this.memory.snapshot().metadata.index);
    });
  }

  /** Waits for pending writes and closes the WAL. */
  async close(): Promise<void> {
    await this.queue.then(
      () => undefined,
      () => undefined,
    );
    await this.wal.close();
  }

  private async releaseBelow(index: number): Promise<void> {
    await this.snapshotter.purge(this.keepSnapshots);
    await this.wal.releaseTo(index);
  }

  private serial<T>(op: () => Promise<T>): Promise<T> {
    const result = this.queue.then(op);
    this.queue = result.catch(() => undefined);
    return result;
  }
}
