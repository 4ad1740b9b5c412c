import { Backoff } from './backoff';
import { SeededRng } from './rng';

describe('Backoff', () => {
  it('doubles up to the cap without jitter and resets after success', () => {
    const b = new Backoff({ initialMs: 10, maxMs: 70 }, new SeededRng(1));
    expect([b.next(), b.next(), b.next(), b.next(), b.next()]).toEqual([10, 20, 40, 70, 70]);
    expect(b.failures).toBe(5);
    b.reset();
    expect(b.next()).toBe(10);
  });

  it('adds at most the jitter fraction and never exceeds the cap', () => {
    const b = new Backoff({ initialMs: 100, maxMs: 1000, jitter: 0.5 }, new SeededRng(2));
    const first = b.next();
    expect(first).toBeGreaterThanOrEqual(100);
    expect(first).toBeLessThan(150);
    for (let i = 0; i < 20; i++) expect(b.next()).toBeLessThanOrEqual(1000);
  });

  it('refuses nonsense bounds', () => {
    expect(() => new Backoff({ initialMs: 0, maxMs: 10 }, new SeededRng(1))).toThrow(RangeError);
  });
});
