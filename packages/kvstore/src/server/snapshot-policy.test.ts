import { SnapshotPolicy } from './snapshot-policy';

function policy(over: Partial<ConstructorParameters<typeof SnapshotPolicy>[0]> = {}): SnapshotPolicy {
  return new SnapshotPolicy({ snapshotCount: 10, snapshotLogBytes: 1000, catchUpEntries: 3, catchUpBytes: 250, ...over });
}

test('a snapshot is due after snapshotCount entries or snapshotLogBytes bytes, whichever comes first', () => {
  const byCount = policy();
  for (let i = 1; i <= 9; i++) byCount.applied(i, 1);
  expect(byCount.due(9)).toBe(false);
  byCount.applied(10, 1);
  expect(byCount.due(10)).toBe(true);
  byCount.snapshotTaken(10, byCount.bytesApplied());
  expect(byCount.due(10)).toBe(false);

  const byBytes = policy();
  byBytes.applied(1, 600);
  expect(byBytes.due(1)).toBe(false);
  byBytes.applied(2, 400);
  expect(byBytes.due(2)).toBe(true);
});

test('compaction keeps catchUpEntries entries, and fewer when they hold more than catchUpBytes', () => {
  const small = policy();
  for (let i = 1; i <= 10; i++) small.applied(i, 10);
  expect(small.compactIndex(10)).toBe(7); // keeps 8, 9, 10

  const big = policy();
  for (let i = 1; i <= 10; i++) big.applied(i, 100);
  expect(big.compactIndex(10)).toBe(8); // 9 and 10 hold 200 bytes; with 8 they would hold 300 > 250
});

test('compacted and restored logs are forgotten', () => {
  const p = policy();
  for (let i = 1; i <= 10; i++) p.applied(i, 100);
  p.compacted(8);
  expect(p.needsCompaction(8)).toBe(false);
  expect(p.needsCompaction(9)).toBe(true);
  p.restored(20);
  expect(p.due(20)).toBe(false);
  expect(p.needsCompaction(20)).toBe(false);
});
