import { readFileSync, promises as fs } from 'node:fs';
import * as path from 'node:path';
import { CorruptionError, silentLogger } from '@kubemu/base';
import type { Logger } from '@kubemu/base';
import type { Snapshot } from './types';
import { BinaryReader, BinaryWriter, crc32, readSnapshotMetadata, writeSnapshotMetadata } from './wal-codec';
import { ensureDir, syncDir, writeFully } from './wal-fs';

/**
 * Snapshot files: one file per snapshot, named `<term:016x>-<index:016x>.snap`, holding
 *
 *   [u32 magic 'KSNP'][u8 version][u32 crc32 of body][body]
 *   body = u64 index, u64 term, u32 nVoters, u64 voter..., u32 nLearners, u64 learner..., u32 len, data
 *
 * Invariants: a `.snap` file is complete or absent (written to `.tmp`, fsynced, renamed, directory
 * fsynced), so a `.tmp` is always an interrupted save and is ignored. A file whose checksum or
 * name disagrees with its content is never returned: it is reported and renamed `.broken`.
 * Only names matching `<term>-<index>.snap` are ever listed, loaded or purged.
 */

const MAGIC = 0x504e534b; // 'KSNP' read as little-endian u32
const VERSION = 1;
const HEADER_BYTES = 9;
const SNAP_NAME = /^([0-9a-f]{16})-([0-9a-f]{16})\.snap$/;

export interface SnapshotFileInfo {
  name: string;
  term: number;
  index: number;
}

export interface SnapshotterOptions {
  logger?: Logger;
}

export class Snapshotter {
  private constructor(
    readonly dir: string,
    private readonly logger: Logger,
  ) {}

  /** Opens (creating when absent) the snapshot directory and removes interrupted saves. */
  static async open(dir: string, opts: SnapshotterOptions = {}): Promise<Snapshotter> {
    const logger = opts.logger ?? silentLogger('snapshotter');
    await ensureDir(dir);
    for (const name of await fs.readdir(dir)) {
      if (!name.endsWith('.tmp')) continue;
      logger.warn('snapshotter: removing an interrupted save', { file: path.join(dir, name) });
      await fs.unlink(path.join(dir, name));
    }
    return new Snapshotter(dir, logger);
  }

  /**
   * Writes `snap` atomically and durably; when the promise resolves the file survives a crash.
   * The data is written as given, not copied into a file image: a snapshot may be hundreds of MiB.
   */
  async save(snap: Snapshot): Promise<void> {
    const meta = new BinaryWriter(64);
    writeSnapshotMetadata(meta, snap.metadata);
    meta.u32(snap.data.length);
    const metaBytes = meta.finish();
    const header = new BinaryWriter(HEADER_BYTES);
    header.u32(MAGIC).u8(VERSION).u32(crc32(snap.data, crc32(metaBytes)));
    const headerBytes = header.finish();
    // Written to `.tmp`, fsynced, renamed, directory fsynced: the `.snap` is complete or absent.
    const file = path.join(this.dir, snapshotName(snap.metadata.term, snap.metadata.index));
    const tmp = `${file}.tmp`;
    const fh = await fs.open(tmp, 'w');
    try {
      await writeFully(fh, headerBytes, 0);
      await writeFully(fh, metaBytes, headerBytes.length);
      await writeFully(fh, snap.data, headerBytes.length + metaBytes.length);
      await fh.datasync();
    } finally {
      await fh.close();
    }
    await fs.rename(tmp, file);
    await syncDir(this.dir);
  }

  /** The snapshot files present, newest (highest index) first. */
  async list(): Promise<SnapshotFileInfo[]> {
    const found: SnapshotFileInfo[] = [];
    for (const name of await fs.readdir(this.dir)) {
      const m = SNAP_NAME.exec(name);
      if (m === null) continue;
      found.push({ name, term: parseInt(m[1] as string, 16), index: parseInt(m[2] as string, 16) });
    }
    return found.sort((a, b) => b.index - a.index || b.term - a.term);
  }

  /** Reads one snapshot file; throws CorruptionError when it fails its checks. */
  async load(info: SnapshotFileInfo): Promise<Snapshot> {
    const file = path.join(this.dir, info.name);
    return parseSnapshotFile(file, info, await fs.readFile(file));
  }

  /**
   * load(), synchronously: for DiskStorage.snapshot(), which the Raft core calls synchronously
   * when a leader must send a snapshot to a follower. Throws CorruptionError when the file fails
   * its checks and the fs error (ENOENT...) when it cannot be read.
   */
  loadSync(info: SnapshotFileInfo): Snapshot {
    const file = path.join(this.dir, info.name);
    return parseSnapshotFile(file, info, readFileSync(file));
  }

  /**
   * The newest snapshot that passes its checks and `accept` (which sees the name's term and
   * index), or undefined. Corrupt files are reported, renamed `.broken` and skipped.
   */
  async loadNewest(accept: (info: SnapshotFileInfo) => boolean = () => true): Promise<Snapshot | undefined> {
    for (const info of await this.list()) {
      if (!accept(info)) continue;
      try {
        return await this.load(info);
      } catch (err) {
        if (!(err instanceof CorruptionError)) throw err;
        this.logger.warn('snapshotter: skipping a corrupt snapshot', { file: info.name, error: err.message });
        await this.setAside([info.name], 'broken');
      }
    }
    return undefined;
  }

  /** Deletes all but the `keep` newest snapshot files; returns the names deleted. */
  async purge(keep: number): Promise<string[]> {
    const doomed = (await this.list()).slice(Math.max(0, keep)).map((i) => i.name);
    for (const name of doomed) await fs.unlink(path.join(this.dir, name));
    if (doomed.length > 0) await syncDir(this.dir);
    return doomed;
  }

  /**
   * Renames snapshot files `<name>.<suffix>` so no load or purge sees them again, keeping their
   * bytes for an operator to inspect ('broken': failed its checks; 'unrecorded': no WAL marker).
   */
  async setAside(names: readonly string[], suffix: 'broken' | 'unrecorded'): Promise<void> {
    for (const name of names) await fs.rename(path.join(this.dir, name), path.join(this.dir, `${name}.${suffix}`));
    if (names.length > 0) await syncDir(this.dir);
  }
}

function parseSnapshotFile(file: string, info: SnapshotFileInfo, buf: Buffer): Snapshot {
  const fail = (reason: string): Error => new CorruptionError(`snapshot ${file}: ${reason}`);
  if (buf.length < HEADER_BYTES) throw fail(`only ${buf.length} bytes`);
  if (buf.readUInt32LE(0) !== MAGIC) throw fail('bad magic');
  if (buf[4] !== VERSION) throw fail(`unsupported version ${buf[4]}`);
  const body = buf.subarray(HEADER_BYTES);
  if (crc32(body) !== buf.readUInt32LE(5)) throw fail('checksum mismatch');
  const r = new BinaryReader(body, fail);
  const metadata = readSnapshotMetadata(r);
  const n = r.u32();
  if (n !== r.remaining) throw fail(`data length ${n} disagrees with the ${r.remaining} bytes present`);
  // A view of the file's buffer, not a copy: the data is nearly all of it.
  const data = new Uint8Array(body.buffer, body.byteOffset + r.offset, n);
  if (metadata.index !== info.index || metadata.term !== info.term) {
    throw fail(`content is snapshot ${metadata.term}/${metadata.index}, not what the name says`);
  }
  return { metadata, data };
}

export function snapshotName(term: number, index: number): string {
  return `${term.toString(16).padStart(16, '0')}-${index.toString(16).padStart(16, '0')}.snap`;
}
