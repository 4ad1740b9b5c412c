import { ManualClock } from '@kubemu/base';
import { BucketRateLimiter, ItemExponentialFailureRateLimiter, defaultControllerRateLimiter } from './rate-limiter';
import { DelayingQueue, RateLimitingQueue, WorkQueue } from './work-queue';
import { settle } from './testing/settle';

describe('WorkQueue', () => {
  it('deduplicates keys waiting in the queue and keeps FIFO order', async () => {
    const q = new WorkQueue();
    for (const k of ['a', 'b', 'a', 'c', 'b']) q.add(k);
    expect(q.len()).toBe(3);
    expect([await q.get(), await q.get(), await q.get()]).toEqual(['a', 'b', 'c']);
  });

  it('never hands one key to two workers; a key added while processing is processed again after done', async () => {
    const q = new WorkQueue();
    const clock = new ManualClock();
    const active = new Set<string>();
    const processed: string[] = [];
    let overlap = false;
    const worker = async (): Promise<void> => {
      for (let k = await q.get(); k !== undefined; k = await q.get()) {
        if (active.has(k)) overlap = true;
        active.add(k);
        await clock.sleep(10); // a sync that awaits: other workers run meanwhile
        processed.push(k);
        active.delete(k);
        q.done(k);
      }
    };
    const workers = [worker(), worker(), worker()];
    q.add('x');
    await settle();
    expect(q.isProcessing('x')).toBe(true);
    q.add('x'); // new state arrives while x is being processed
    q.add('x');
    q.add('y');
    await settle();
    expect(q.len()).toBe(0); // x is dirty but not queued while processing; y went to a worker
    await clock.advanceAsync(10);
    await settle();
    await clock.advanceAsync(10);
    await settle();
    expect(processed.sort()).toEqual(['x', 'x', 'y']);
    expect(overlap).toBe(false);
    q.shutDown();
    await Promise.all(workers);
  });

  it('get() returns undefined after shutDown; shutDownWithDrain waits for keys in flight', async () => {
    const q = new WorkQueue();
    const waiting = q.get();
    q.shutDown();
    expect(await waiting).toBeUndefined();
    q.add('ignored');
    expect(q.len()).toBe(0);

    const d = new WorkQueue();
    d.add('a');
    const a = await d.get();
    let drained = false;
    const drain = d.shutDownWithDrain().then(() => (drained = true));
    await settle();
    expect(drained).toBe(false);
    d.done(a as string);
    await drain;
    expect(drained).toBe(true);
  });
});

describe('DelayingQueue', () => {
  it('adds after the delay on the Clock, keeping the earliest of repeated requests', async () => {
    const clock = new ManualClock();
    const q = new DelayingQueue(clock);
    q.addAfter('a', 100);
    q.addAfter('a', 50);
    q.addAfter('a', 500);
    clock.advance(49);
    expect(q.len()).toBe(0);
    clock.advance(1);
    expect(q.len()).toBe(1);
    expect(await q.get()).toBe('a');
    q.addAfter('b', 10);
    q.shutDown();
    clock.advance(10);
    expect(q.len()).toBe(0);
  });
});

describe('rate limiting', () => {
  it('per-item exponential backoff: 5 ms doubling up to 1000 s, forgotten on success', () => {
    const l = new ItemExponentialFailureRateLimiter<string>();
    expect([l.when('a'), l.when('a'), l.when('a'), l.when('b')]).toEqual([5, 10, 20, 5]);
    expect(l.numRequeues('a')).toBe(3);
    for (let i = 0; i < 40; i++) l.when('a');
    expect(l.when('a')).toBe(1_000_000);
    l.forget('a');
    expect(l.when('a')).toBe(5);
  });

  it('the overall bucket allows a burst of 100, then 10 per second', () => {
    const clock = new ManualClock();
    const l = new BucketRateLimiter<string>(10, 100, clock);
    for (let i = 0; i < 100; i++) expect(l.when(`k${i}`)).toBe(0);
    expect(l.when('x')).toBe(100);
    expect(l.when('y')).toBe(200);
    clock.advance(1000); // 10 tokens refilled: the 2-token debt is repaid, 8 are left
    for (let i = 0; i < 8; i++) expect(l.when(`r${i}`)).toBe(0);
    expect(l.when('z')).toBeCloseTo(100);
  });

  it('the default controller limiter takes the larger of the two', () => {
    const clock = new ManualClock();
    const l = defaultControllerRateLimiter<string>(clock);
    for (let i = 0; i < 100; i++) l.when(`k${i}`);
    expect(l.when('a')).toBe(100); // bucket (100 ms) > item (5 ms)
    for (let i = 0; i < 15; i++) l.when('b');
    expect(l.when('b')).toBe(5 * 2 ** 15); // item backoff dominates
  });

  it('addRateLimited requeues with backoff; forget resets it', async () => {
    const clock = new ManualClock();
    const q = new RateLimitingQueue<string>(clock);
    q.addRateLimited('a');
    expect(q.len()).toBe(0);
    clock.advance(5);
    expect(q.len()).toBe(1);
    q.done((await q.get()) as string);
    q.addRateLimited('a');
    clock.advance(9);
    expect(q.len()).toBe(0);
    clock.advance(1);
    expect(q.len()).toBe(1);
    expect(q.numRequeues('a')).toBe(2);
    q.forget('a');
    expect(q.numRequeues('a')).toBe(0);
  });
});
