import { SeededRng } from '@kubemu/base';
import { History } from './history';
import { checkLinearizable } from './linearizability';
import { corruptOneRead, randomLinearizableHistory } from './linearizability-generator';

// Property tests: a history produced by a real atomic map is always accepted, and the same
// history with one read made stale is always rejected, naming that read's key. The seed of a
// failure is in the test name, so it replays.

describe('random histories of an atomic map', () => {
  const seeds = Array.from({ length: 200 }, (_, i) => i + 1);

  test.each(seeds)('seed %i: accepted as generated, rejected with one stale read', (seed) => {
    const rng = new SeededRng(seed);
    const ops = randomLinearizableHistory(rng, {
      clients: 1 + rng.int(8),
      keys: 1 + rng.int(4),
      opsPerClient: 5 + rng.int(40),
      infoRate: rng.pick([0, 0.03, 0.1]),
    });
    const good = checkLinearizable(ops);
    if (!good.ok) throw new Error(`seed ${seed}: a linearizable history was rejected\n${good.explanation}`);

    const bad = corruptOneRead(rng, ops);
    if (bad === undefined) return; // no read had a write strictly between it and an older write
    const r = checkLinearizable(bad.ops);
    expect(r.verdict).toBe('illegal');
    expect(r.key).toBe(bad.read.input.key);
  });

  test('most seeds have a read to corrupt', () => {
    let corrupted = 0;
    for (const seed of seeds) {
      const rng = new SeededRng(seed);
      const ops = randomLinearizableHistory(rng, { clients: 4, keys: 2, opsPerClient: 30, infoRate: 0.1 });
      if (corruptOneRead(rng, ops) !== undefined) corrupted++;
    }
    expect(corrupted).toBeGreaterThan(seeds.length * 0.9);
  });

  test('a chaos-sized history: 5,000 operations, 50 keys, 8 clients, some info', () => {
    const ops = randomLinearizableHistory(new SeededRng(7), { clients: 8, keys: 50, opsPerClient: 625, infoRate: 0.03 });
    expect(ops).toHaveLength(5000);
    const r = checkLinearizable(ops);
    expect(r).toMatchObject({ verdict: 'ok' });
    if (process.env['KUBEMU_REPORT_TIMING']) console.log(`5,000-op check: ${r.stats.elapsedMs.toFixed(1)} ms, ${r.stats.steps} steps`);
  });

  test('one hot key under 8 clients', () => {
    const ops = randomLinearizableHistory(new SeededRng(11), { clients: 8, keys: 1, opsPerClient: 100, infoRate: 0.02 });
    expect(checkLinearizable(ops).verdict).toBe('ok');
  });
});

describe('History dump and load', () => {
  test('a recorded history survives JSON and checks the same', () => {
    let t = 0;
    const h = new History(() => (t += 1));
    const a = h.invoke('c1', { type: 'put', key: 'x', value: 'a' });
    const b = h.invoke('c2', { type: 'get', key: 'x' });
    h.ok(a, { revision: 2 });
    const c = h.invoke('c1', { type: 'put', key: 'x', value: 'b' });
    h.info(c, 'deadline exceeded');
    h.ok(b, { value: 'a' });
    const d = h.invoke('c3', { type: 'cas', key: 'x', expected: 'a', value: 'c' });
    h.fail(d, 'connection refused');
    h.invoke('c4', { type: 'delete', key: 'x' }); // still open: an info operation

    const loaded = History.load(h.dump());
    expect(loaded.operations()).toEqual(h.operations());
    expect(loaded.toJSON()).toEqual(h.toJSON());
    expect(h.operations().map((o) => [o.id, o.return])).toEqual([
      [0, 3],
      [1, 6],
      [2, Infinity],
      [4, Infinity],
    ]);
    expect(checkLinearizable(loaded).verdict).toBe('ok');
  });

  test('misuse is refused', () => {
    const h = new History(() => 0);
    const a = h.invoke(1, { type: 'get', key: 'x' });
    expect(() => h.ok(a, { ok: true })).toThrow('does not fit a get');
    h.ok(a, { value: null });
    expect(() => h.ok(a, { value: null })).toThrow('already completed');
    expect(() => h.info(42)).toThrow('never invoked');
    expect(() => History.load('{"format":"other"}')).toThrow('not a kubemu-history');
  });
});
