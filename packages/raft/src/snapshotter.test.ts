import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { CorruptionError } from '@kubemu/base';
import type { Snapshot } from './types';
import { Snapshotter, snapshotName } from './snapshotter';

function snap(index: number, term: number, text = `state@${index}`): Snapshot {
  return { data: new TextEncoder().encode(text), metadata: { index, term, confState: { voters: [1, 2, 3], learners: [4] } } };
}

let dir: string;

beforeEach(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'kubemu-snap-'));
});

afterEach(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

describe('Snapshotter', () => {
  it('saves and loads the newest snapshot', async () => {
    const s = await Snapshotter.open(path.join(dir, 'snap'));
    expect(await s.loadNewest()).toBeUndefined();
    await s.save(snap(10, 2));
    await s.save(snap(30, 3));
    await s.save(snap(20, 3));
    expect(await s.loadNewest()).toEqual(snap(30, 3));
    expect(await s.loadNewest((i) => i.index <= 25)).toEqual(snap(20, 3));
    expect((await s.list()).map((i) => i.name)).toEqual([snapshotName(3, 30), snapshotName(3, 20), snapshotName(2, 10)]);
  });

  it('ignores (and removes) a leftover .tmp from an interrupted save', async () => {
    const snapDir = path.join(dir, 'snap');
    const s = await Snapshotter.open(snapDir);
    await s.save(snap(5, 1));
    await fs.writeFile(path.join(snapDir, `${snapshotName(2, 9)}.tmp`), 'half written');
    expect(await s.loadNewest()).toEqual(snap(5, 1));
    await Snapshotter.open(snapDir);
    expect(await fs.readdir(snapDir)).toEqual([snapshotName(1, 5)]);
  });

  it('skips a corrupt snapshot, reports it and moves it aside', async () => {
    const snapDir = path.join(dir, 'snap');
    const s = await Snapshotter.open(snapDir);
    await s.save(snap(5, 1));
    await s.save(snap(9, 2));
    const newest = path.join(snapDir, snapshotName(2, 9));
    const buf = await fs.readFile(newest);
    buf.writeUInt8(buf.readUInt8(buf.length - 1) ^ 0x20, buf.length - 1);
    await fs.writeFile(newest, buf);
    await expect(s.load({ name: snapshotName(2, 9), term: 2, index: 9 })).rejects.toThrow(CorruptionError);
    expect(await s.loadNewest()).toEqual(snap(5, 1));
    expect((await fs.readdir(snapDir)).sort()).toEqual([snapshotName(1, 5), `${snapshotName(2, 9)}.broken`]);
  });

  it('refuses a file whose content is not the snapshot its name says', async () => {
    const snapDir = path.join(dir, 'snap');
    const s = await Snapshotter.open(snapDir);
    await s.save(snap(5, 1));
    await fs.rename(path.join(snapDir, snapshotName(1, 5)), path.join(snapDir, snapshotName(1, 6)));
    await expect(s.load({ name: snapshotName(1, 6), term: 1, index: 6 })).rejects.toThrow(/not what the name says/);
  });

  it('purges all but the newest N', async () => {
    const s = await Snapshotter.open(path.join(dir, 'snap'));
    for (const i of [1, 2, 3, 4, 5]) await s.save(snap(i * 10, 1));
    expect(await s.purge(2)).toEqual([snapshotName(1, 30), snapshotName(1, 20), snapshotName(1, 10)]);
    expect((await s.list()).map((i) => i.index)).toEqual([50, 40]);
  });
});
