import { formatFailure, runSeeds, summaryLine } from './runner';
import { runSeed } from './simulation';

// The seeded simulation of Raft groups (TigerBeetle-style): every seed is a safety phase with
// faults and crashes, invariants checked after every step, then a liveness phase.

describe('simulation', () => {
  test('seeds 1..300 keep every invariant and converge', () => {
    const failures: string[] = [];
    runSeeds(1, 300, (r) => {
      if (!r.ok) failures.push(formatFailure(r));
    });
    if (failures.length > 0) console.log(failures.join('\n'));
    expect(failures).toEqual([]);
  }, 300_000); // about 15 s on an idle 2-core machine; generous for a loaded one

  test('a seed replays exactly: same trace hash, same outcome', () => {
    for (const seed of [7, 42, 1234]) {
      const a = runSeed(seed);
      const b = runSeed(seed);
      expect(b.traceHash).toBe(a.traceHash);
      expect(b.stats).toEqual(a.stats);
    }
  });

  test('a verbose replay is the same run as a quiet one', () => {
    const lines: string[] = [];
    const verbose = runSeed(42, { trace: (l) => lines.push(l) });
    expect(verbose.traceHash).toBe(runSeed(42).traceHash);
    expect(lines.length).toBeGreaterThan(100);
    expect(lines.some((l) => l.includes(' leader '))).toBe(true);
  });

  test('different seeds are different runs', () => {
    const hashes = new Set([1, 2, 3, 4, 5].map((s) => runSeed(s).traceHash));
    expect(hashes.size).toBe(5);
  });

  test('membership changes: nodes join empty and members leave, invariants hold', () => {
    let changes = 0;
    for (let seed = 1; seed <= 10; seed++) {
      const r = runSeed(seed, {
        configure: (c) => {
          c.membership = true;
          c.faultWeights.reconfigure = 6;
        },
      });
      if (!r.ok) console.log(formatFailure(r));
      expect(r.ok).toBe(true);
      changes += r.stats.confChanges;
    }
    expect(changes).toBeGreaterThan(10);
  });

  test('the liveness check fails a group that never elects a leader', () => {
    const r = runSeed(3, {
      configure: (c) => {
        c.electionTick = 1_000_000; // nobody ever times out
      },
    });
    expect(r.ok).toBe(false);
    expect(r.violation?.invariant).toBe('liveness');
    expect(r.violation?.detail).toMatch(/no leader/);
  });

  test('seeds do real work: elections, commits, acknowledged proposals, crashes', () => {
    let crashes = 0;
    let acked = 0;
    for (let seed = 1; seed <= 20; seed++) {
      const r = runSeed(seed);
      expect(r.stats.leaders).toBeGreaterThan(0);
      crashes += r.stats.crashes;
      acked += r.stats.acknowledged;
    }
    expect(crashes).toBeGreaterThan(20);
    expect(acked).toBeGreaterThan(500);
  });
});

describe('runner output', () => {
  test('the summary line and a failure line', () => {
    expect(summaryLine(2000, 0)).toBe('sim: 2000 seeds, 0 failures');
    const r = runSeed(3, { configure: (c) => void (c.electionTick = 1_000_000) });
    expect(formatFailure(r)).toMatch(/^FAIL seed=3: liveness .*npm run sim -- --seed 3/);
  });
});
