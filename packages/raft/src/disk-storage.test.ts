import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { CorruptionError } from '@kubemu/base';
import { SnapshotTemporarilyUnavailableError } from './errors';
import type { Entry, HardState, Ready, Snapshot } from './types';
import { DiskStorage } from './disk-storage';
import { Snapshotter, snapshotName } from './snapshotter';

function ent(index: number, term: number): Entry {
  return { index, term, type: 'Normal', data: new TextEncoder().encode(`v${index}`) };
}

function range(lo: number, hi: number, term: number): Entry[] {
  return Array.from({ length: hi - lo + 1 }, (_, i) => ent(lo + i, term));
}

function ready(parts: { hardState?: HardState; entries?: Entry[]; snapshot?: Snapshot }): Ready {
  return { readStates: [], committedEntries: [], messages: [], entries: [], mustSync: true, ...parts };
}

let dir: string;

beforeEach(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'kubemu-disk-'));
});

afterEach(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

describe('DiskStorage', () => {
  it('starts empty in a new directory', async () => {
    const s = await DiskStorage.open(path.join(dir, 'data'));
    expect(s.initialState()).toEqual({ hardState: { term: 0, vote: 0, commit: 0 }, confState: { voters: [], learners: [] } });
    expect([s.firstIndex(), s.lastIndex()]).toEqual([1, 0]);
    expect((await fs.readdir(path.join(dir, 'data'))).sort()).toEqual(['snap', 'wal']);
    await s.close();
  });

  it('keeps only snapshot metadata in memory and reads the data from the file on demand', async () => {
    const s = await DiskStorage.open(path.join(dir, 'data'));
    await s.persistReady(ready({ hardState: { term: 1, vote: 1, commit: 10 }, entries: range(1, 10, 1) }));
    const data = new TextEncoder().encode('app@8');
    await s.createSnapshot(8, { voters: [1], learners: [] }, data);
    expect(s.memory.snapshot().data.length).toBe(0);
    expect(s.snapshot()).toEqual({ data, metadata: { index: 8, term: 1, confState: { voters: [1], learners: [] } } });
    // A snapshot received from a leader: the file is written, memory again holds metadata only.
    const received: Snapshot = { data: new TextEncoder().encode('app@20'), metadata: { index: 20, term: 2, confState: { voters: [1, 2], learners: [] } } };
    await s.persistReady(ready({ hardState: { term: 2, vote: 0, commit: 20 }, snapshot: received }));
    expect(s.memory.snapshot().data.length).toBe(0);
    const file = path.join(dir, 'data', 'snap', snapshotName(2, 20));
    await fs.rename(file, `${file}.away`);
    expect(() => s.snapshot()).toThrow(SnapshotTemporarilyUnavailableError);
    await fs.rename(`${file}.away`, file);
    expect(s.snapshot()).toEqual(received);
    await s.close();
  });

  it('restores hard state, entries and snapshot after a restart', async () => {
    const data = path.join(dir, 'data');
    let s = await DiskStorage.open(data, { segmentBytes: 1024 });
    await s.persistReady(ready({ hardState: { term: 1, vote: 1, commit: 0 }, entries: range(1, 30, 1) }));
    await s.persistReady(ready({ hardState: { term: 2, vote: 1, commit: 25 }, entries: range(28, 40, 2) }));
    expect(s.term(27)).toBe(1);
    expect(s.term(28)).toBe(2);
    const snap = await s.createSnapshot(20, { voters: [1, 2, 3], learners: [] }, new TextEncoder().encode('app@20'));
    expect(snap.metadata).toEqual({ index: 20, term: 1, confState: { voters: [1, 2, 3], learners: [] } });
    await s.compact(15); // keeps 16..20 in memory for slow followers
    expect(s.firstIndex()).toBe(16);
    await s.close();

    s = await DiskStorage.open(data, { segmentBytes: 1024 });
    expect(s.initialState()).toEqual({ hardState: { term: 2, vote: 1, commit: 25 }, confState: { voters: [1, 2, 3], learners: [] } });
    expect(s.snapshot()).toEqual(snap);
    expect([s.firstIndex(), s.lastIndex()]).toEqual([21, 40]);
    expect(s.entries(21, 41, Infinity)).toEqual([...range(21, 27, 1), ...range(28, 40, 2)]);
    await s.close();
  });

  it('persists a snapshot received from the leader, replacing the log', async () => {
    const data = path.join(dir, 'data');
    let s = await DiskStorage.open(data);
    await s.persistReady(ready({ hardState: { term: 1, vote: 2, commit: 3 }, entries: range(1, 8, 1) }));
    const snap: Snapshot = { data: new TextEncoder().encode('leader-state'), metadata: { index: 50, term: 4, confState: { voters: [1, 2], learners: [3] } } };
    await s.persistReady(ready({ hardState: { term: 4, vote: 0, commit: 50 }, snapshot: snap, entries: range(51, 52, 4) }));
    expect([s.firstIndex(), s.lastIndex()]).toEqual([51, 52]);
    await s.close();

    s = await DiskStorage.open(data);
    expect(s.snapshot()).toEqual(snap);
    expect(s.initialState().hardState).toEqual({ term: 4, vote: 0, commit: 50 });
    expect(s.entries(51, 53, Infinity)).toEqual(range(51, 52, 4));
    await s.close();
  });

  it('drops a snapshot file saved just before a crash, whose WAL marker was never written', async () => {
    const data = path.join(dir, 'data');
    let s = await DiskStorage.open(data);
    await s.persistReady(ready({ hardState: { term: 1, vote: 1, commit: 5 }, entries: range(1, 5, 1) }));
    await s.close();
    const snapshotter = await Snapshotter.open(path.join(data, 'snap'));
    await snapshotter.save({ data: new Uint8Array([1]), metadata: { index: 90, term: 7, confState: { voters: [1], learners: [] } } });

    s = await DiskStorage.open(data);
    expect(s.snapshot().metadata.index).toBe(0);
    expect(s.lastIndex()).toBe(5);
    expect(await fs.readdir(path.join(data, 'snap'))).toEqual([`${snapshotName(7, 90)}.unrecorded`]);
    await s.close();
  });

  it('refuses to start when snapshots exist but the WAL is gone', async () => {
    const data = path.join(dir, 'data');
    const s = await DiskStorage.open(data);
    await s.persistReady(ready({ hardState: { term: 1, vote: 1, commit: 5 }, entries: range(1, 5, 1) }));
    await s.createSnapshot(5, { voters: [1], learners: [] }, new Uint8Array([1]));
    await s.close();
    await fs.rm(path.join(data, 'wal'), { recursive: true });
    await expect(DiskStorage.open(data)).rejects.toThrow(/snapshots exist but the WAL is missing/);
  });

  it('refuses to start when the snapshot the WAL names is corrupt', async () => {
    const data = path.join(dir, 'data');
    const s = await DiskStorage.open(data);
    await s.persistReady(ready({ hardState: { term: 1, vote: 1, commit: 5 }, entries: range(1, 5, 1) }));
    await s.createSnapshot(5, { voters: [1], learners: [] }, new Uint8Array([9, 9, 9]));
    await s.close();
    const file = path.join(data, 'snap', snapshotName(1, 5));
    const buf = await fs.readFile(file);
    buf.writeUInt8(buf.readUInt8(buf.length - 1) ^ 1, buf.length - 1);
    await fs.writeFile(file, buf);
    const err = await DiskStorage.open(data).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CorruptionError);
    expect((err as Error).message).toMatch(/snapshot 1\/5, whose file .* is missing or corrupt/);
  });
});
