import { RaftLog } from './raft-log';
import { MemoryStorage } from './storage';
import type { Entry } from './types';

const ent = (index: number, term: number): Entry => ({ index, term, type: 'Normal', data: new Uint8Array(0) });
const terms = (log: RaftLog): number[] => log.slice(1, log.lastIndex() + 1, Infinity).map((e) => e.term);

function logWith(ts: number[]): RaftLog {
  const storage = new MemoryStorage();
  storage.append(ts.map((t, i) => ent(i + 1, t)));
  return new RaftLog(storage, Infinity);
}

describe('RaftLog', () => {
  it('findConflict returns the first index whose term differs, or 0', () => {
    const log = logWith([1, 1, 2, 2]);
    expect(log.findConflict([ent(2, 1), ent(3, 2)])).toBe(0);
    expect(log.findConflict([ent(3, 2), ent(4, 3)])).toBe(4);
    expect(log.findConflict([ent(4, 2), ent(5, 2)])).toBe(5); // new entries conflict with "nothing"
  });

  it('maybeAppend checks (index, logTerm), truncates a conflicting suffix and caps commit', () => {
    const log = logWith([1, 1, 2, 2]);
    expect(log.maybeAppend(4, 3, 10, [ent(5, 3)])).toBeUndefined(); // term mismatch at 4
    expect(log.maybeAppend(2, 1, 10, [ent(3, 3)])).toBe(3);
    expect(terms(log)).toEqual([1, 1, 3]);
    // Commit never passes the last entry known to match the leader.
    expect(log.committed).toBe(3);
    // A stale, shorter MsgApp must not truncate matching entries after it.
    expect(log.maybeAppend(1, 1, 0, [ent(2, 1)])).toBe(2);
    expect(terms(log)).toEqual([1, 1, 3]);
  });

  it('refuses to overwrite a committed entry', () => {
    const log = logWith([1, 1, 2]);
    log.commitTo(3);
    expect(() => log.maybeAppend(1, 1, 3, [ent(2, 2)])).toThrow(/conflicts with committed/);
  });

  it('findConflictByTerm skips every entry whose term is above the given one', () => {
    const log = logWith([1, 2, 2, 4, 4, 4, 5]);
    expect(log.findConflictByTerm(7, 3)).toEqual({ index: 3, term: 2 });
    expect(log.findConflictByTerm(7, 5)).toEqual({ index: 7, term: 5 });
    expect(log.findConflictByTerm(5, 1)).toEqual({ index: 1, term: 1 });
    expect(log.findConflictByTerm(5, 0)).toEqual({ index: 0, term: 0 });
  });

  it('maybeCommit only commits an entry of the given term (§5.4.2)', () => {
    const log = logWith([1, 2, 2]);
    expect(log.maybeCommit(3, 3)).toBe(false);
    expect(log.committed).toBe(0);
    expect(log.maybeCommit(3, 2)).toBe(true);
    expect(log.committed).toBe(3);
  });

  it('isUpToDate compares last term, then last index (§5.4.1)', () => {
    const log = logWith([1, 2, 2]);
    expect(log.isUpToDate(1, 3)).toBe(true);
    expect(log.isUpToDate(3, 2)).toBe(true);
    expect(log.isUpToDate(2, 2)).toBe(false);
    expect(log.isUpToDate(9, 1)).toBe(false);
  });

  it('hands out unstable and committed entries once, and keeps replaced entries unstable', () => {
    const log = logWith([1]);
    log.append([ent(2, 1), ent(3, 1)]);
    expect(log.nextUnstableEntries().map((e) => e.index)).toEqual([2, 3]);
    log.acceptUnstable();
    expect(log.hasNextUnstableEntries()).toBe(false);
    // A new leader replaces entry 3 before the driver reported it stable.
    log.append([ent(3, 2)]);
    expect(log.nextUnstableEntries().map((e) => [e.index, e.term])).toEqual([[3, 2]]);
    log.stableTo(3, 1); // the stale report for (3, 1) must not mark (3, 2) stable
    expect(log.unstable.entries.map((e) => e.term)).toEqual([1, 2]);
  });

  it('limits entries by size and reports compaction as undefined', () => {
    const storage = new MemoryStorage();
    storage.append([1, 2, 3, 4, 5].map((i) => ({ ...ent(i, 1), data: new Uint8Array(10) })));
    storage.compact(2);
    const log = new RaftLog(storage, Infinity);
    expect(log.entries(2, Infinity)).toBeUndefined();
    expect(log.entries(3, 40)?.map((e) => e.index)).toEqual([3]);
    expect(log.term(2)).toBe(1);
    expect(log.term(1)).toBeUndefined();
  });
});
