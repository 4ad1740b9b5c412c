import { ManualClock } from '@kubemu/base';
import type { InternalResponse } from '../mvcc';
import { Proposals } from './proposals';

const answer = (revision: number): InternalResponse => ({ put: { header: { revision } } }) as unknown as InternalResponse;
const timedOut = (): Error => new Error('request timed out');

test('each waiter gets its own answer, in whatever order the answers come, past the ring size', async () => {
  const p = new Proposals('m1.1', new ManualClock());
  const ids = Array.from({ length: 300 }, () => p.nextId());
  const waits = ids.map((id) => p.wait(id, 1000, timedOut));
  // Answer the odd ones first, backwards: 150 stay pending while later ids are settled.
  for (let i = ids.length - 1; i >= 0; i--) if (i % 2 === 1) p.resolve(ids[i]!, answer(i));
  for (let i = 0; i < ids.length; i++) if (i % 2 === 0) p.resolve(ids[i]!, answer(i));
  const got = await Promise.all(waits);
  expect(got.map((r) => (r as unknown as { put: { header: { revision: number } } }).put.header.revision)).toEqual(ids.map((_, i) => i));
});

test('a waiter pending across many later proposals keeps its slot', async () => {
  const p = new Proposals('m1.1', new ManualClock());
  const old = p.nextId();
  const oldWait = p.wait(old, 1000, timedOut);
  for (let i = 0; i < 1000; i++) {
    const id = p.nextId();
    const w = p.wait(id, 1000, timedOut);
    p.resolve(id, answer(i));
    await w;
  }
  p.resolve(old, answer(-1));
  await expect(oldWait).resolves.toEqual(answer(-1));
});

test('answers for ids issued elsewhere, or twice, are ignored', async () => {
  const p = new Proposals('m1.2', new ManualClock());
  const id = p.nextId();
  const w = p.wait(id, 1000, timedOut);
  p.resolve(id.replace('m1.2', 'm1.1'), answer(7)); // the same sequence number from an earlier run
  p.resolve('m2.1-1', answer(8));
  p.resolve(id, answer(9));
  p.reject(id, new Error('too late'));
  await expect(w).resolves.toEqual(answer(9));
});

test('a waiter times out once, and its late answer is dropped', async () => {
  const clock = new ManualClock();
  const p = new Proposals('m1.1', clock);
  const id = p.nextId();
  const w = p.wait(id, 500, timedOut);
  clock.advance(499);
  const early = p.nextId();
  const earlyWait = p.wait(early, 500, timedOut);
  clock.advance(1);
  await expect(w).rejects.toThrow('request timed out');
  p.resolve(id, answer(1));
  p.resolve(early, answer(2));
  await expect(earlyWait).resolves.toEqual(answer(2));
});

test('rejectAll fails every pending waiter', async () => {
  const p = new Proposals('m1.1', new ManualClock());
  const waits = Array.from({ length: 100 }, () => p.wait(p.nextId(), 1000, timedOut));
  p.rejectAll(() => new Error('server stopped'));
  const settled = await Promise.allSettled(waits);
  expect(settled.every((s) => s.status === 'rejected' && (s.reason as Error).message === 'server stopped')).toBe(true);
});
