import { ManualClock } from '@kubemu/base';
import { runWorkers } from './controller-loop';
import { settle } from './testing/settle';
import { RateLimitingQueue } from './work-queue';

describe('runWorkers', () => {
  it('requeues a failing key with backoff, forgets it after a success, and exits on shutdown', async () => {
    const clock = new ManualClock();
    const q = new RateLimitingQueue<string>(clock);
    const attempts: number[] = [];
    let failures = 2;
    const done = runWorkers(
      q,
      (key) => {
        attempts.push(clock.now());
        if (key === 'bad' && failures-- > 0) return Promise.resolve(new Error('not yet'));
        return Promise.resolve();
      },
      { workers: 2 },
    );
    q.add('bad');
    await settle();
    expect(attempts).toEqual([0]);
    await clock.advanceAsync(5);
    await settle();
    await clock.advanceAsync(10);
    await settle();
    expect(attempts).toEqual([0, 5, 15]);
    expect(q.numRequeues('bad')).toBe(0);
    q.shutDown();
    await done;
  });

  it('drops a key after maxRetries; a thrown error counts as a failure', async () => {
    const clock = new ManualClock();
    const q = new RateLimitingQueue<string>(clock);
    let calls = 0;
    const done = runWorkers(
      q,
      () => {
        calls++;
        throw new Error('boom');
      },
      { maxRetries: 2 },
    );
    q.add('k');
    for (let i = 0; i < 5; i++) {
      await settle();
      await clock.advanceAsync(1000);
    }
    expect(calls).toBe(3);
    q.shutDown();
    await done;
  });
});
