import type { ClientId, KvInput, KvOutput, Operation } from './history';
import { History } from './history';
import { checkLinearizable } from './linearizability';

// Hand-made histories, each small enough to judge by eye. Times are [call, return] in ms;
// `ret = Infinity` with no output is an `info` operation.

let nextId = 0;
function op(client: ClientId, input: KvInput, call: number, ret: number, output?: KvOutput): Operation {
  return { id: nextId++, client, input, call, return: ret, output };
}
const get = (key: string): KvInput => ({ type: 'get', key });
const put = (key: string, value: string): KvInput => ({ type: 'put', key, value });
const del = (key: string): KvInput => ({ type: 'delete', key });
const cas = (key: string, expected: string | null, value: string): KvInput => ({ type: 'cas', key, expected, value });
const saw = (value: string | null): KvOutput => ({ value });
const done: KvOutput = {};

describe('checkLinearizable', () => {
  test('a sequential history is linearizable', () => {
    const h = [
      op(1, get('x'), 0, 1, saw(null)),
      op(1, put('x', 'a'), 2, 3, done),
      op(2, get('x'), 4, 5, saw('a')),
      op(2, del('x'), 6, 7, { deleted: 1 }),
      op(1, get('x'), 8, 9, saw(null)),
    ];
    const r = checkLinearizable(h);
    expect(r).toMatchObject({ ok: true, verdict: 'ok' });
  });

  test('overlapping writes may take effect in either order', () => {
    for (const last of ['a', 'b']) {
      const h = [
        op(1, put('x', 'a'), 0, 10, done),
        op(2, put('x', 'b'), 1, 9, done),
        op(3, get('x'), 11, 12, saw(last)),
        op(3, get('x'), 13, 14, saw(last)),
      ];
      expect(checkLinearizable(h).verdict).toBe('ok');
    }
    // A read concurrent with both writes may see either, or neither.
    for (const seen of [null, 'a', 'b']) {
      const h = [op(1, put('x', 'a'), 0, 10, done), op(2, put('x', 'b'), 1, 9, done), op(3, get('x'), 2, 8, saw(seen))];
      expect(checkLinearizable(h).verdict).toBe('ok');
    }
  });

  test('a stale read is a violation that names the key and the read', () => {
    // The read starts after put(b) was acknowledged, yet returns a.
    const h = [
      op(1, put('x', 'a'), 0, 1, done),
      op(1, put('x', 'b'), 2, 3, done),
      op(2, get('x'), 4, 5, saw('a')),
    ];
    const r = checkLinearizable(h);
    expect(r).toMatchObject({ ok: false, verdict: 'illegal', key: 'x' });
    expect(r.linearized?.map((o) => o.input)).toEqual([put('x', 'a'), put('x', 'b')]);
    expect(r.unplaced?.map((o) => o.client)).toEqual([2]);
    expect(r.explanation).toContain('key "x"');
    expect(r.explanation).toContain('client 2 get(x) -> "a" [4, 5]');
    expect(r.explanation).toContain('state after it: "b"');
  });

  test('a lost write: acknowledged, then never seen, with no other writer', () => {
    const h = [
      op(1, put('x', 'a'), 0, 1, done),
      op(2, get('x'), 2, 3, saw(null)),
      op(3, get('x'), 4, 5, saw(null)),
    ];
    expect(checkLinearizable(h)).toMatchObject({ verdict: 'illegal', key: 'x' });
  });

  test('a read of a value never written is a violation', () => {
    const h = [op(1, put('x', 'a'), 0, 10, done), op(2, get('x'), 1, 9, saw('z'))];
    expect(checkLinearizable(h)).toMatchObject({ verdict: 'illegal', key: 'x' });
  });

  test('an info write that took effect: later reads see it', () => {
    const h = [
      op(1, put('x', 'a'), 0, 1, done),
      op(1, put('x', 'b'), 2, Infinity),
      op(2, get('x'), 3, 4, saw('a')), // not yet
      op(2, get('x'), 50, 51, saw('b')), // long after the client gave up: still allowed
      op(2, get('x'), 52, 53, saw('b')),
    ];
    expect(checkLinearizable(h).verdict).toBe('ok');
    // Once seen, it cannot be un-applied.
    h.push(op(2, get('x'), 54, 55, saw('a')));
    expect(checkLinearizable(h).verdict).toBe('illegal');
  });

  test('an info write that did not take effect', () => {
    const h = [
      op(1, put('x', 'a'), 0, 1, done),
      op(1, put('x', 'b'), 2, Infinity),
      op(1, del('y'), 2, Infinity),
      op(2, get('x'), 50, 51, saw('a')),
      op(2, get('y'), 50, 51, saw(null)),
    ];
    expect(checkLinearizable(h).verdict).toBe('ok');
  });

  test('an info read carries no information', () => {
    const h = [op(1, put('x', 'a'), 0, 1, done), op(2, get('x'), 2, Infinity)];
    expect(checkLinearizable(h)).toMatchObject({ verdict: 'ok' });
  });

  test('compare-and-set succeeds exactly when the value matched', () => {
    const base = [op(1, put('x', 'a'), 0, 1, done)];
    const ok = (...h: Operation[]): string => checkLinearizable([...base, ...h]).verdict;
    expect(ok(op(2, cas('x', 'a', 'b'), 2, 3, { ok: true }), op(2, get('x'), 4, 5, saw('b')))).toBe('ok');
    expect(ok(op(2, cas('x', 'z', 'b'), 2, 3, { ok: false }), op(2, get('x'), 4, 5, saw('a')))).toBe('ok');
    expect(ok(op(2, cas('x', 'a', 'b'), 2, 3, { ok: false }))).toBe('illegal');
    expect(ok(op(2, cas('x', 'z', 'b'), 2, 3, { ok: true }))).toBe('illegal');
    expect(ok(op(2, cas('x', 'z', 'b'), 2, 3, { ok: false }), op(2, get('x'), 4, 5, saw('b')))).toBe('illegal');
    // Expecting absence: succeeds on a fresh key only.
    expect(ok(op(2, cas('y', null, 'b'), 2, 3, { ok: true }))).toBe('ok');
    expect(ok(op(2, cas('x', null, 'b'), 2, 3, { ok: true }))).toBe('illegal');
    // Two clients race to cas from a: only one can win.
    const race = [op(2, cas('x', 'a', 'b'), 2, 9, { ok: true }), op(3, cas('x', 'a', 'c'), 3, 8, { ok: true })];
    expect(ok(...race)).toBe('illegal');
    // An info cas may have won; a later read of its value is then fine.
    expect(ok(op(2, cas('x', 'a', 'b'), 2, Infinity), op(3, get('x'), 4, 5, saw('b')))).toBe('ok');
  });

  test('a delete that reports a count must match whether the key existed', () => {
    const h = [op(1, put('x', 'a'), 0, 1, done), op(1, del('x'), 2, 3, { deleted: 0 })];
    expect(checkLinearizable(h).verdict).toBe('illegal');
  });

  test('failed operations are ignored', () => {
    let t = 0;
    const hist = new History(() => t++);
    const w = hist.invoke(1, put('x', 'a'));
    hist.ok(w, done);
    const lost = hist.invoke(1, put('x', 'never'));
    hist.fail(lost, 'etcdserver: request timed out before apply');
    const r = hist.invoke(2, get('x'));
    hist.ok(r, saw('a'));
    expect(checkLinearizable(hist).verdict).toBe('ok');
  });

  test('per-key partitioning finds the one bad key among many', () => {
    const h: Operation[] = [];
    for (let k = 0; k < 40; k++) {
      const key = `key-${String(k).padStart(2, '0')}`;
      h.push(op(k % 8, put(key, 'a'), k, k + 100, done), op((k + 1) % 8, put(key, 'b'), k + 1, k + 99, done));
      h.push(op((k + 2) % 8, get(key), k + 200, k + 201, saw(k === 23 ? 'stale' : 'a')));
    }
    const r = checkLinearizable(h);
    expect(r).toMatchObject({ verdict: 'illegal', key: 'key-23' });
    expect(r.stats.keys).toBe(40);
  });

  test('the time budget stops the search with unknown', () => {
    // 12 concurrent writes and a read of a value none wrote: the search must try every
    // subset of writes before it can say illegal. A clock that ticks per reading runs out first.
    const h: Operation[] = [];
    for (let i = 0; i < 12; i++) h.push(op(i, put('x', `v${i}`), i, 100 + i, done));
    h.push(op(99, get('x'), 50, 60, saw('nobody')));
    let t = 0;
    const r = checkLinearizable(h, { now: () => (t += 1), timeBudgetMs: 20 });
    expect(r).toMatchObject({ ok: false, verdict: 'unknown', key: 'x' });
    expect(r.explanation).toContain('time budget');
    // Given time, the same history is illegal.
    expect(checkLinearizable(h).verdict).toBe('illegal');
  });

  test('a key over the size bound is reported unknown, and other keys still checked', () => {
    const h: Operation[] = [];
    for (let i = 0; i < 30; i++) h.push(op(1, put('big', `v${i}`), 2 * i, 2 * i + 1, done));
    h.push(op(2, get('small'), 0, 1, saw(null)));
    const r = checkLinearizable(h, { maxOpsPerKey: 20 });
    expect(r).toMatchObject({ verdict: 'unknown', key: 'big' });
    expect(r.explanation).toContain('30 operations, over maxOpsPerKey=20');
    h.push(op(2, get('small'), 2, 3, saw('bad')));
    expect(checkLinearizable(h, { maxOpsPerKey: 20 })).toMatchObject({ verdict: 'illegal', key: 'small' });
  });

  test('explanations show operations as recorded, not as the model rewrote them', () => {
    const h = [
      op(1, put('x', 'a'), 0, 1, done),
      op(3, put('x', 'lost-in-flight'), 0, Infinity), // never read: the model blurs its value
      op(1, put('x', 'b'), 2, 3, done),
      op(3, cas('x', 'zz', 'c'), 4, 5, { ok: false }), // keeps the info put from being dropped
      op(2, get('x'), 6, 7, saw('a')),
    ];
    const r = checkLinearizable(h);
    expect(r.verdict).toBe('illegal');
    expect(r.explanation).not.toContain('\u0000');
    expect(r.explanation).toContain('client 3 put(x, "lost-in-flight") -> ? [0, inf (info)]');
  });

  test('touching intervals count as concurrent', () => {
    // With millisecond clocks a write acknowledged at 5 and a read called at 5 may overlap.
    const h = [op(1, put('x', 'a'), 0, 5, done), op(2, get('x'), 5, 6, saw(null))];
    expect(checkLinearizable(h).verdict).toBe('ok');
  });
});
