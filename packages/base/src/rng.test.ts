import { SeededRng } from './rng';

describe('SeededRng', () => {
  it('replays the same sequence for the same seed and differs across seeds', () => {
    const a = new SeededRng(42);
    const b = new SeededRng(42);
    const c = new SeededRng(43);
    const sa = Array.from({ length: 20 }, () => a.int(1000));
    const sb = Array.from({ length: 20 }, () => b.int(1000));
    const sc = Array.from({ length: 20 }, () => c.int(1000));
    expect(sa).toEqual(sb);
    expect(sa).not.toEqual(sc);
  });

  it('stays in range and covers it', () => {
    const r = new SeededRng(7);
    const seen = new Set<number>();
    for (let i = 0; i < 2000; i++) {
      const v = r.range(5, 15);
      expect(v).toBeGreaterThanOrEqual(5);
      expect(v).toBeLessThan(15);
      seen.add(v);
    }
    expect(seen.size).toBe(10);
  });

  it('is roughly uniform (chi-square over 10 buckets)', () => {
    const r = new SeededRng(1);
    const buckets = new Array<number>(10).fill(0);
    const n = 100_000;
    for (let i = 0; i < n; i++) buckets[r.int(10)]!++;
    const expected = n / 10;
    const chi = buckets.reduce((s, b) => s + ((b - expected) ** 2) / expected, 0);
    expect(chi).toBeLessThan(27.9); // p = 0.001 for 9 degrees of freedom
  });

  it('forks independent but reproducible streams', () => {
    const f1 = new SeededRng(9).fork();
    const f2 = new SeededRng(9).fork();
    expect(f1.next()).toBe(f2.next());
  });

  it('shuffles to a permutation', () => {
    const items = [1, 2, 3, 4, 5, 6];
    const out = new SeededRng(3).shuffle([...items]);
    expect([...out].sort()).toEqual(items);
  });
});
