/**
 * The chaos test's judges can fail: handcrafted histories with a lost write and a stale read are
 * caught by lostWrites and checkLinearizable, and a dumped history survives a round trip. No
 * processes; this runs everywhere.
 */
import { History, checkLinearizable } from '@kubemu/sim';
import { lostWrites } from './support/acked-writes';
import { writeOutcome } from './support/kv-workload';

/** A history driven by a hand clock: each call advances time by one. */
function recorder(): { h: History; tick: () => void } {
  let t = 0;
  return { h: new History(() => t), tick: () => void t++ };
}

test('an acknowledged put that is neither the final value nor overwritten is reported lost', () => {
  const { h, tick } = recorder();
  const a = h.invoke(1, { type: 'put', key: 'k', value: 'a' });
  tick();
  h.ok(a, { revision: 2 });
  tick();
  const b = h.invoke(2, { type: 'put', key: 'k', value: 'b' });
  tick();
  h.ok(b, { revision: 3 });
  const lost = lostWrites(h.operations(), new Map([['k', 'a']]));
  expect(lost.map((l) => [l.key, l.final, l.lastAcked.input])).toEqual([['k', 'a', { type: 'put', key: 'k', value: 'b' }]]);
  expect(lostWrites(h.operations(), new Map([['k', 'b']]))).toEqual([]);
});

test('a final value from a concurrent or unknown-outcome write is not a loss', () => {
  const { h, tick } = recorder();
  const a = h.invoke(1, { type: 'put', key: 'k', value: 'a' });
  const i = h.invoke(2, { type: 'put', key: 'k', value: 'maybe' });
  tick();
  h.ok(a, { revision: 2 });
  h.info(i, 'Deadline exceeded');
  const failed = h.invoke(3, { type: 'cas', key: 'k', expected: 'zzz', value: 'never' });
  tick();
  h.ok(failed, { ok: false });
  expect(lostWrites(h.operations(), new Map([['k', 'maybe']]))).toEqual([]);
  expect(lostWrites(h.operations(), new Map([['k', 'never']]))).toHaveLength(1);
});

test('a stale read after an acknowledged overwrite makes the history not linearizable', () => {
  const { h, tick } = recorder();
  const w1 = h.invoke(1, { type: 'put', key: 'k', value: 'v1' });
  tick();
  h.ok(w1, {});
  tick();
  const w2 = h.invoke(1, { type: 'put', key: 'k', value: 'v2' });
  tick();
  h.ok(w2, {});
  tick();
  const r = h.invoke(2, { type: 'get', key: 'k' });
  tick();
  h.ok(r, { value: 'v1' });
  const result = checkLinearizable(History.load(h.dump()));
  expect(result.verdict).toBe('illegal');
  expect(result.explanation).toContain('get(k) -> "v1"');
});

test('write outcomes: refused before sending = fail, timeout or dropped connection = info', () => {
  expect(writeOutcome({ code: 14, details: 'No connection established. Last error: Error: connect ECONNREFUSED 10.0.0.1:2379' })).toBe('fail');
  expect(writeOutcome({ code: 14, details: 'Connection dropped' })).toBe('info');
  expect(writeOutcome({ code: 4, details: 'Deadline exceeded after 2.001s' })).toBe('info');
  expect(writeOutcome({ code: 5, details: 'etcdserver: requested lease not found' })).toBe('fail');
  expect(writeOutcome(new Error('no code'))).toBe('info');
});
