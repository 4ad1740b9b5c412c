// Files of the PKI directory, written so that a reader never sees half a file, and the lock that
// lets exactly one of several apiservers starting on a shared directory generate what is missing.
import * as crypto from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import type { Clock } from '@kubemu/base';
import { KubemuError } from '@kubemu/base';

export class PkiError extends KubemuError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('Pki', message, options);
  }
}

export async function readIfExists(file: string): Promise<string | undefined> {
  try {
    return await fs.readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

/** Write to a temporary name, fsync, rename over the target, fsync the directory. */
export async function writeAtomically(file: string, data: string, mode: number): Promise<void> {
  const tmp = `${file}.tmp-${process.pid}-${crypto.randomBytes(4).toString('hex')}`;
  const fh = await fs.open(tmp, 'wx', mode);
  try {
    await fh.writeFile(data);
    await fh.sync();
  } finally {
    await fh.close();
  }
  await fs.rename(tmp, file);
  const dir = await fs.open(path.dirname(file), 'r');
  try {
    await dir.sync();
  } finally {
    await dir.close();
  }
}

export interface LockOptions {
  clock: Clock;
  /** A lock older than this is left over by a holder that died; it is broken. */
  staleMs: number;
  /** How long to wait for the lock before giving up. */
  timeoutMs: number;
  pollMs: number;
}

/**
 * Runs `fn` holding `lockFile`, created with O_EXCL so that one process at a time holds it. A
 * holder killed with SIGKILL leaves the file behind; once its mtime is older than staleMs the
 * next waiter removes it. (Two waiters could both judge the same lock stale; generation only
 * ever fills in missing files, each written atomically, so the worst case is a wasted key.)
 */
export async function withLock<T>(lockFile: string, opts: LockOptions, fn: () => Promise<T>): Promise<T> {
  const start = opts.clock.now();
  for (;;) {
    let fh: fs.FileHandle | undefined;
    try {
      fh = await fs.open(lockFile, 'wx', 0o600);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    if (fh !== undefined) {
      try {
        await fh.writeFile(`${process.pid}\n`);
      } finally {
        await fh.close();
      }
      try {
        return await fn();
      } finally {
        await fs.rm(lockFile, { force: true });
      }
    }
    const stat = await fs.stat(lockFile).catch(() => undefined);
    if (stat !== undefined && opts.clock.wallNow() - stat.mtimeMs > opts.staleMs) {
      await fs.rm(lockFile, { force: true });
      continue;
    }
    if (opts.clock.now() - start > opts.timeoutMs) {
      throw new PkiError(`timed out after ${opts.timeoutMs} ms waiting for ${lockFile}`);
    }
    await opts.clock.sleep(opts.pollMs);
  }
}
