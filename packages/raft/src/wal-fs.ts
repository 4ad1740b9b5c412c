import { promises as fs } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import * as path from 'node:path';

/**
 * File-system steps whose durability the WAL and the snapshotter depend on. A created, renamed
 * or deleted name is durable only once its directory is fsynced; file contents only once the
 * file is.
 */

/** fsyncs a directory, making the names created, renamed or removed in it durable. */
export async function syncDir(dir: string): Promise<void> {
  const fh = await fs.open(dir, 'r');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}

/**
 * Creates `dir` and any missing parents, fsyncing the parent of each directory created, so a
 * crash cannot forget a directory that files were already written into. Returns whether it was created.
 */
export async function ensureDir(dir: string): Promise<boolean> {
  const abs = path.resolve(dir);
  try {
    await fs.mkdir(abs);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') return false;
    if (code !== 'ENOENT') throw err;
    await ensureDir(path.dirname(abs));
    try {
      await fs.mkdir(abs);
    } catch (again) {
      if ((again as NodeJS.ErrnoException).code === 'EEXIST') return false;
      throw again;
    }
  }
  await syncDir(path.dirname(abs));
  return true;
}

/** Writes all of `data` at `position`; a file write may be short, so it loops. */
export async function writeFully(fh: FileHandle, data: Uint8Array, position: number): Promise<void> {
  let done = 0;
  while (done < data.length) {
    const { bytesWritten } = await fh.write(data, done, data.length - done, position + done);
    done += bytesWritten;
  }
}

/**
 * Replaces `file` with `data` so that after a crash it holds either the old or the new content,
 * never a mix: write `<file>.tmp`, fsync it, rename over `file`, fsync the directory. Readers
 * ignore (and clean up) leftover `.tmp` files.
 */
export async function writeFileAtomic(file: string, data: Uint8Array): Promise<void> {
  const tmp = `${file}.tmp`;
  const fh = await fs.open(tmp, 'w');
  try {
    await writeFully(fh, data, 0);
    await fh.datasync();
  } finally {
    await fh.close();
  }
  await fs.rename(tmp, file);
  await syncDir(path.dirname(file));
}
