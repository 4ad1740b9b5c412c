import { constants, promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { CorruptionError, deferred } from '@kubemu/base';
import type { Logger } from '@kubemu/base';
import type { Entry } from './types';
import { Wal, WalFailedError } from './wal';
import { scanSegment } from './wal-record';

function ent(index: number, term: number, text = `e${index}`): Entry {
  return { index, term, type: 'Normal', data: new TextEncoder().encode(text) };
}

function summary(entries: Entry[]): string[] {
  return entries.map((e) => `${e.index}/${e.term}:${new TextDecoder().decode(e.data)}`);
}

let dir: string;

beforeEach(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'kubemu-wal-'));
});

afterEach(async () => {
  jest.restoreAllMocks();
  await fs.rm(dir, { recursive: true, force: true });
});

async function reopen(d = dir, segmentBytes?: number): Promise<Awaited<ReturnType<typeof Wal.open>>> {
  return Wal.open(d, segmentBytes === undefined ? {} : { segmentBytes });
}

async function lastSegment(): Promise<string> {
  const names = (await fs.readdir(path.join(dir, 'wal'))).filter((n) => n.endsWith('.wal')).sort();
  return path.join(dir, 'wal', names[names.length - 1] as string);
}

/** Where the records of a last segment end (preallocated zeros may follow). */
async function recordsEnd(file: string): Promise<number> {
  return scanSegment(await fs.readFile(file), file, true).validEnd;
}

/** A closed WAL of two saves whose first entry holds 'first-entry': its last segment, read, and where that text is. */
async function twoSavesOnDisk(): Promise<{ file: string; buf: Buffer; at: number }> {
  const { wal } = await reopen(path.join(dir, 'wal'));
  await wal.save({ term: 1, vote: 1, commit: 0 }, [ent(1, 1, 'first-entry')]);
  await wal.save({ term: 1, vote: 1, commit: 1 }, [ent(2, 1)]);
  await wal.close();
  const file = await lastSegment();
  const buf = await fs.readFile(file);
  return { file, buf, at: buf.indexOf('first-entry') };
}

/** A logger that keeps the messages of its warnings and errors. */
function recordingLogger(): { logger: Logger; warnings: string[] } {
  const warnings: string[] = [];
  const logger = {
    debug: () => undefined,
    info: () => undefined,
    warn: (msg: string) => warnings.push(msg),
    error: (msg: string) => warnings.push(msg),
    child: () => logger,
  } as unknown as Logger;
  return { logger, warnings };
}

describe('Wal', () => {
  it('round-trips hard state and entries, creating the directory', async () => {
    const { wal, entries, hardState, snapshot } = await reopen(path.join(dir, 'wal'));
    expect(entries).toEqual([]);
    expect(hardState).toEqual({ term: 0, vote: 0, commit: 0 });
    expect(snapshot).toEqual({ index: 0, term: 0 });
    const big = new Uint8Array(100_000).map((_, i) => i % 251);
    await wal.save({ term: 1, vote: 2, commit: 0 }, [ent(1, 1), { index: 2, term: 1, type: 'ConfChange', data: big }]);
    await wal.save({ term: 1, vote: 2, commit: 2 }, [ent(3, 1, '')]);
    await wal.close();

    const again = await reopen(path.join(dir, 'wal'));
    expect(again.hardState).toEqual({ term: 1, vote: 2, commit: 2 });
    expect(again.entries.map((e) => [e.index, e.term, e.type])).toEqual([[1, 1, 'Normal'], [2, 1, 'ConfChange'], [3, 1, 'Normal']]);
    expect(again.entries[1]?.data).toEqual(big);
    expect(again.entries[2]?.data).toEqual(new Uint8Array(0));
    await again.wal.close();
  });

  it('resolves a synced save only once its write returned, and appends with O_DSYNC so that write is durable', async () => {
    const { wal } = await reopen(path.join(dir, 'wal'));
    if (process.platform === 'linux') {
      // The descriptor's open flags, as the kernel reports them: O_DSYNC makes every write durable.
      const segment = path.join(dir, 'wal', wal.segmentNames()[0] as string);
      let flags: number | undefined;
      for (const fd of await fs.readdir('/proc/self/fd')) {
        const target = await fs.readlink(`/proc/self/fd/${fd}`).catch(() => '');
        if (target !== segment) continue;
        const info = await fs.readFile(`/proc/self/fdinfo/${fd}`, 'utf8');
        flags = parseInt(/^flags:\s+([0-7]+)/m.exec(info)?.[1] ?? '0', 8);
      }
      expect(flags).toBeDefined();
      expect((flags ?? 0) & constants.O_DSYNC).toBe(constants.O_DSYNC);
    }
    const probe = await fs.open(path.join(dir, 'probe'), 'w');
    const proto = Object.getPrototypeOf(probe) as { write(...args: unknown[]): Promise<unknown> };
    await probe.close();
    const original = proto.write;
    const gate = deferred<void>();
    const events: string[] = [];
    jest.spyOn(proto, 'write').mockImplementation(async function (this: unknown, ...args: unknown[]) {
      events.push('write-start');
      await gate.promise;
      const r = await original.apply(this, args);
      events.push('write-done');
      return r;
    });
    const saved = wal.save({ term: 1, vote: 1, commit: 0 }, [ent(1, 1)], { mustSync: true }).then(() => events.push('resolved'));
    await new Promise((r) => setTimeout(r, 20));
    expect(events).toEqual(['write-start']);
    gate.resolve();
    await saved;
    expect(events).toEqual(['write-start', 'write-done', 'resolved']);
    await wal.close();
  });

  it('keeps an unsynced save in memory and writes it ahead of the next synced one', async () => {
    const { wal } = await reopen(path.join(dir, 'wal'));
    await wal.save({ term: 1, vote: 1, commit: 0 }, [ent(1, 1), ent(2, 1)]);
    const end = await recordsEnd(await lastSegment());
    await wal.save({ term: 1, vote: 1, commit: 2 }, [], { mustSync: false });
    // Nothing written: a crash now loses the new commit index, which Raft recovers.
    expect(await recordsEnd(await lastSegment())).toBe(end);
    await wal.save(undefined, [ent(3, 1)]);
    const again = await reopen(path.join(dir, 'wal'));
    expect(again.hardState).toEqual({ term: 1, vote: 1, commit: 2 });
    expect(summary(again.entries)).toEqual(['1/1:e1', '2/1:e2', '3/1:e3']);
    await again.wal.close();
    await wal.close();
  });

  it('writes saves queued behind a write in flight together, in call order, and resolves each', async () => {
    const { wal } = await reopen(path.join(dir, 'wal'));
    const probe = await fs.open(path.join(dir, 'probe'), 'w');
    const proto = Object.getPrototypeOf(probe) as { write(...args: unknown[]): Promise<unknown> };
    await probe.close();
    const original = proto.write;
    const gate = deferred<void>();
    const started = deferred<void>();
    const write = jest.spyOn(proto, 'write').mockImplementation(async function (this: unknown, ...args: unknown[]) {
      started.resolve();
      await gate.promise;
      return original.apply(this, args);
    });
    const first = wal.save({ term: 1, vote: 1, commit: 0 }, [ent(1, 1)]);
    await started.promise;
    // Queued while the first write is in flight: one write for the three of them.
    const rest = [wal.save(undefined, [ent(2, 1), ent(3, 1)]), wal.save({ term: 2, vote: 0, commit: 1 }, [ent(3, 2, 'x3')]), wal.save(undefined, [ent(4, 2)])];
    gate.resolve();
    await Promise.all([first, ...rest]);
    expect(write).toHaveBeenCalledTimes(2);
    await wal.close();
    const again = await reopen(path.join(dir, 'wal'));
    expect(summary(again.entries)).toEqual(['1/1:e1', '2/1:e2', '3/2:x3', '4/2:e4']);
    expect(again.hardState).toEqual({ term: 2, vote: 0, commit: 1 });
    await again.wal.close();
  });

  it('reports each sync once, with its duration, and nothing for a save that needs none', async () => {
    const { wal } = await reopen(path.join(dir, 'wal'));
    const syncs: number[] = [];
    wal.onSync = (seconds) => syncs.push(seconds);
    await wal.save({ term: 1, vote: 1, commit: 0 }, [ent(1, 1)]);
    await wal.save({ term: 1, vote: 1, commit: 1 }, [], { mustSync: false });
    expect(syncs).toHaveLength(1);
    // Saves queued together share one sync.
    await Promise.all([wal.save(undefined, [ent(2, 1)]), wal.save(undefined, [ent(3, 1)]), wal.save(undefined, [ent(4, 1)])]);
    expect(syncs).toHaveLength(2);
    for (const s of syncs) expect(s).toBeGreaterThanOrEqual(0);
    await wal.close();
  });

  it('writes an unsynced save on close', async () => {
    const { wal } = await reopen(path.join(dir, 'wal'));
    await wal.save({ term: 1, vote: 1, commit: 0 }, [ent(1, 1)]);
    await wal.save({ term: 1, vote: 1, commit: 1 }, [], { mustSync: false });
    await wal.close();
    const again = await reopen(path.join(dir, 'wal'));
    expect(again.hardState).toEqual({ term: 1, vote: 1, commit: 1 });
    await again.wal.close();
  });

  it('replays an overwritten suffix: a later entry at index i truncates everything from i', async () => {
    const { wal } = await reopen(path.join(dir, 'wal'));
    await wal.save({ term: 1, vote: 1, commit: 2 }, [ent(1, 1), ent(2, 1), ent(3, 1), ent(4, 1), ent(5, 1)]);
    await wal.save({ term: 2, vote: 0, commit: 2 }, [ent(3, 2, 'x3'), ent(4, 2, 'x4')]);
    await wal.save(undefined, [ent(5, 2, 'x5')]);
    await wal.save(undefined, [ent(4, 3, 'y4')]);
    await wal.close();
    const again = await reopen(path.join(dir, 'wal'));
    expect(summary(again.entries)).toEqual(['1/1:e1', '2/1:e2', '3/2:x3', '4/3:y4']);
    expect(again.hardState).toEqual({ term: 2, vote: 0, commit: 2 });
    await again.wal.close();
  });

  it('truncates a torn tail (half a record) and keeps every earlier record', async () => {
    const { wal } = await reopen(path.join(dir, 'wal'));
    await wal.save({ term: 1, vote: 1, commit: 1 }, [ent(1, 1), ent(2, 1)]);
    await wal.close();
    const file = await lastSegment();
    const good = await fs.readFile(file);
    const goodEnd = await recordsEnd(file);
    expect(good.length).toBeGreaterThan(goodEnd); // preallocated
    // A record header promising 100 bytes followed by only 10 of them, over the preallocated
    // zeros: a write cut short by a crash.
    const torn = Buffer.alloc(19);
    torn.writeUInt32LE(100, 0);
    torn[8] = 3;
    torn.fill(7, 9);
    const fh = await fs.open(file, 'r+');
    await fh.write(torn, 0, torn.length, goodEnd);
    await fh.close();

    const { logger, warnings } = recordingLogger();
    const again = await Wal.open(path.join(dir, 'wal'), { logger, preallocateBytes: 0 });
    expect(warnings).toEqual(['WAL: truncating torn tail']);
    expect(summary(again.entries)).toEqual(['1/1:e1', '2/1:e2']);
    expect(await fs.readFile(file)).toEqual(good.subarray(0, goodEnd));
    await again.wal.save(undefined, [ent(3, 1)]);
    await again.wal.close();
    const last = await reopen(path.join(dir, 'wal'));
    expect(summary(last.entries)).toEqual(['1/1:e1', '2/1:e2', '3/1:e3']);
    await last.wal.close();
  });

  it('truncates a last record with a bad checksum when nothing valid follows', async () => {
    const { wal } = await reopen(path.join(dir, 'wal'));
    await wal.save({ term: 1, vote: 1, commit: 0 }, [ent(1, 1)]);
    await wal.save(undefined, [ent(2, 1, 'last')]);
    await wal.close();
    const file = await lastSegment();
    const buf = await fs.readFile(file);
    const at = (await recordsEnd(file)) - 2; // inside the data of entry 2, the last record
    buf.writeUInt8(buf.readUInt8(at) ^ 0xff, at);
    await fs.writeFile(file, buf);
    const again = await reopen(path.join(dir, 'wal'));
    expect(summary(again.entries)).toEqual(['1/1:e1']);
    await again.wal.close();
  });

  it('refuses a damaged record in the middle with a CorruptionError naming file and offset', async () => {
    const { file, buf, at } = await twoSavesOnDisk();
    buf.writeUInt8(buf.readUInt8(at) ^ 0x01, at);
    await fs.writeFile(file, buf);
    const err = await reopen(path.join(dir, 'wal')).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CorruptionError);
    expect((err as Error).message).toContain(file);
    expect((err as Error).message).toMatch(/checksum mismatch .* at offset \d+, followed by a valid record/);
  });

  it('cuts segments at the size limit, replays across them and releases those below a snapshot', async () => {
    const walDir = path.join(dir, 'wal');
    const { wal } = await reopen(walDir, 512);
    for (let i = 1; i <= 60; i++) await wal.save({ term: 1, vote: 1, commit: i - 1 }, [ent(i, 1, `entry-${i}`.padEnd(40, '.'))]);
    const before = wal.segmentNames();
    expect(before.length).toBeGreaterThan(4);
    // Nothing is released beyond the last snapshot marker, whatever index is asked for.
    expect(await wal.releaseTo(60)).toBe(0);
    await wal.saveSnapshotMarker({ index: 40, term: 1 });
    const released = await wal.releaseTo(40);
    expect(released).toBeGreaterThan(0);
    expect(wal.segmentNames()).toEqual(before.slice(released));
    // The first remaining segment was created when the log ended at or below 40.
    const firstIndex = parseInt((wal.segmentNames()[0] as string).slice(17, 33), 16);
    expect(firstIndex - 1).toBeLessThanOrEqual(40);
    await wal.close();

    const again = await reopen(walDir, 512);
    expect(again.snapshot).toEqual({ index: 40, term: 1 });
    expect(again.entries.map((e) => e.index)).toEqual(Array.from({ length: 20 }, (_, i) => 41 + i));
    expect(again.hardState.commit).toBe(59);
    await again.wal.close();
  });

  it('refuses damage in a segment that is not the last', async () => {
    const walDir = path.join(dir, 'wal');
    const { wal } = await reopen(walDir, 256);
    for (let i = 1; i <= 20; i++) await wal.save(undefined, [ent(i, 1, 'x'.repeat(40))]);
    const names = wal.segmentNames();
    await wal.close();
    const first = path.join(walDir, names[0] as string);
    const buf = await fs.readFile(first);
    await fs.writeFile(first, buf.subarray(0, buf.length - 3));
    await expect(reopen(walDir, 256)).rejects.toThrow(/which is not the last segment/);
  });

  it('refuses a WAL with a segment missing from the middle', async () => {
    const walDir = path.join(dir, 'wal');
    const { wal } = await reopen(walDir, 256);
    for (let i = 1; i <= 20; i++) await wal.save(undefined, [ent(i, 1, 'x'.repeat(40))]);
    const names = wal.segmentNames();
    await wal.close();
    await fs.unlink(path.join(walDir, names[1] as string));
    await expect(reopen(walDir, 256)).rejects.toThrow(/segment 1 is missing/);
  });

  it('drops the whole log at a marker that replaces it, keeps it at one that compacts it', async () => {
    const walDir = path.join(dir, 'wal');
    const { wal } = await reopen(walDir);
    await wal.save({ term: 1, vote: 1, commit: 3 }, [ent(1, 1), ent(2, 1), ent(3, 1), ent(4, 1)]);
    await wal.saveSnapshotMarker({ index: 2, term: 1 });
    await wal.close();
    let again = await reopen(walDir);
    expect(summary(again.entries)).toEqual(['3/1:e3', '4/1:e4']);
    await again.wal.save({ term: 3, vote: 0, commit: 10 }, [], { snapshot: { index: 10, term: 3, replacesLog: true } });
    await again.wal.save(undefined, [ent(11, 3)]);
    await again.wal.close();
    again = await reopen(walDir);
    expect(again.snapshot).toEqual({ index: 10, term: 3 });
    expect(summary(again.entries)).toEqual(['11/3:e11']);
    await again.wal.close();
  });

  it('ignores and removes a leftover temporary segment', async () => {
    const walDir = path.join(dir, 'wal');
    const { wal } = await reopen(walDir);
    await wal.save(undefined, [ent(1, 1)]);
    await wal.close();
    await fs.writeFile(path.join(walDir, '0000000000000001-0000000000000002.wal.tmp'), 'half a segment');
    const again = await reopen(walDir);
    expect(summary(again.entries)).toEqual(['1/1:e1']);
    expect((await fs.readdir(walDir)).some((n) => n.endsWith('.tmp'))).toBe(false);
    await again.wal.close();
  });
  describe('preallocation', () => {
    it('keeps the last segment zero-filled past its records, and reopens it without a warning', async () => {
      const walDir = path.join(dir, 'wal');
      const { wal } = await Wal.open(walDir, { preallocateBytes: 64 * 1024 });
      await wal.save({ term: 1, vote: 1, commit: 0 }, [ent(1, 1), ent(2, 1)]);
      await wal.close();
      const file = await lastSegment();
      const buf = await fs.readFile(file);
      const end = await recordsEnd(file);
      // Kept filled up to preallocateBytes past the records.
      expect(buf.length).toBeGreaterThanOrEqual(end + 32 * 1024);
      expect(buf.length).toBeLessThanOrEqual(end + 64 * 1024);
      expect(buf.subarray(end).every((b) => b === 0)).toBe(true);

      const { logger, warnings } = recordingLogger();
      const again = await Wal.open(walDir, { logger, preallocateBytes: 64 * 1024 });
      expect(summary(again.entries)).toEqual(['1/1:e1', '2/1:e2']);
      await again.wal.save({ term: 1, vote: 1, commit: 2 }, [ent(3, 1)]);
      await again.wal.close();
      expect(warnings).toEqual([]);
      const last = await reopen(walDir);
      expect(summary(last.entries)).toEqual(['1/1:e1', '2/1:e2', '3/1:e3']);
      expect(last.hardState.commit).toBe(2);
      await last.wal.close();
    });

    it('never writes zeros over records when saves race the fills', async () => {
      const walDir = path.join(dir, 'wal');
      // Fills of a few hundred bytes, each one a write racing the saves' writes.
      const { wal } = await Wal.open(walDir, { preallocateBytes: 400 });
      const saves: Promise<void>[] = [];
      for (let i = 1; i <= 300; i++) {
        saves.push(wal.save({ term: 1, vote: 1, commit: i - 1 }, [ent(i, 1, `entry-${i}`.padEnd(20 + (i % 50), '.'))]));
        if (i % 7 === 0) await new Promise((r) => setImmediate(r));
      }
      await Promise.all(saves);
      await wal.close();
      const again = await reopen(walDir);
      expect(again.entries.map((e) => e.index)).toEqual(Array.from({ length: 300 }, (_, i) => i + 1));
      expect(again.hardState.commit).toBe(299);
      await again.wal.close();
    });

    it('fills no further than the segment size, so a segment that was cut ends at its last record', async () => {
      const walDir = path.join(dir, 'wal');
      const { wal } = await Wal.open(walDir, { segmentBytes: 1024, preallocateBytes: 4096 });
      for (let i = 1; i <= 40; i++) await wal.save(undefined, [ent(i, 1, 'x'.repeat(60))]);
      const names = wal.segmentNames();
      await wal.close();
      expect(names.length).toBeGreaterThan(2);
      for (const name of names.slice(0, -1)) {
        const file = path.join(walDir, name);
        const buf = await fs.readFile(file);
        // Read as a segment that is not the last: whole records up to its last byte.
        expect(scanSegment(buf, file, false).validEnd).toBe(buf.length);
      }
      const again = await reopen(walDir, 1024);
      expect(again.entries).toHaveLength(40);
      await again.wal.close();
    });

    it('still refuses zeros over a record that valid records follow', async () => {
      const { file, buf, at } = await twoSavesOnDisk();
      buf.fill(0, at - 40, at + 11);
      await fs.writeFile(file, buf);
      await expect(reopen(path.join(dir, 'wal'))).rejects.toThrow(CorruptionError);
    });

    it('fails the WAL when a fill fails, so the process restarts and replays', async () => {
      const walDir = path.join(dir, 'wal');
      const { wal } = await Wal.open(walDir, { preallocateBytes: 8192 });
      await wal.save(undefined, [ent(1, 1)]);
      const probe = await fs.open(path.join(dir, 'probe'), 'w');
      const proto = Object.getPrototypeOf(probe) as { write(...args: unknown[]): Promise<unknown> };
      await probe.close();
      const original = proto.write;
      // Fails the next fill: a write of nothing but zeros.
      jest.spyOn(proto, 'write').mockImplementation(async function (this: unknown, ...args: unknown[]) {
        const data = args[0] as Uint8Array;
        if (data.length >= 1024 && data.every((b) => b === 0)) throw Object.assign(new Error('ENOSPC: no space left on device'), { code: 'ENOSPC' });
        return original.apply(this, args);
      });
      // Enough to use up half of what was preallocated, so that a new fill starts.
      await wal.save(undefined, [ent(2, 1, 'y'.repeat(6000))]);
      await new Promise((r) => setTimeout(r, 20));
      await expect(wal.save(undefined, [ent(3, 1)])).rejects.toThrow(WalFailedError);
      jest.restoreAllMocks();
      await wal.close();
      const again = await reopen(walDir);
      expect(again.entries.map((e) => e.index)).toEqual([1, 2]);
      await again.wal.close();
    });
  });
});
