import { deferred } from '@kubemu/base';
import type { Deferred } from '@kubemu/base';
import { LinearizableReads } from './linearizable-reads';

/** A ReadIndex source whose answers the test gives by hand. */
class FakeSource {
  readonly requests: Array<{ ctx: string; answer: Deferred<number> }> = [];
  applied = 0;
  readonly appliedWaiters: Array<{ index: number; done: Deferred<void> }> = [];

  readIndex(ctx: Uint8Array): Promise<number> {
    const answer = deferred<number>();
    this.requests.push({ ctx: Buffer.from(ctx).toString('hex'), answer });
    return answer.promise;
  }

  waitApplied(index: number): Promise<void> {
    if (index <= this.applied) return Promise.resolve();
    const done = deferred<void>();
    this.appliedWaiters.push({ index, done });
    return done.promise;
  }

  apply(index: number): void {
    this.applied = index;
    for (const w of this.appliedWaiters.filter((x) => x.index <= index)) w.done.resolve();
  }
}

const settle = (): Promise<void> => new Promise((r) => setImmediate(r));

describe('LinearizableReads', () => {
  it('serves every read that arrived while a round was out with one later round', async () => {
    const src = new FakeSource();
    const reads = new LinearizableReads(7, src, (e) => e);
    const done: string[] = [];
    const first = reads.wait().then(() => done.push('first'));
    expect(src.requests).toHaveLength(1);
    // Arrived after the first round's index was requested: they need a round of their own.
    const later = [reads.wait().then(() => done.push('second')), reads.wait().then(() => done.push('third'))];
    expect(src.requests).toHaveLength(1);
    src.apply(10);
    src.requests[0]?.answer.resolve(10);
    await first;
    await settle();
    expect(done).toEqual(['first']);
    expect(src.requests).toHaveLength(2);
    src.requests[1]?.answer.resolve(12);
    await settle();
    // Not before this member applied up to the confirmed index.
    expect(done).toEqual(['first']);
    src.apply(12);
    await Promise.all(later);
    expect(done).toEqual(['first', 'second', 'third']);
    expect(new Set(src.requests.map((r) => r.ctx)).size).toBe(2);
  });

  it('fails the readers of a round whose ReadIndex fails, with the mapped error, and goes on', async () => {
    const src = new FakeSource();
    const reads = new LinearizableReads(7, src, () => new Error('etcdserver: request timed out'));
    const failed = reads.wait();
    src.requests[0]?.answer.reject(new Error('raft: no read index'));
    await expect(failed).rejects.toThrow('etcdserver: request timed out');
    const next = reads.wait();
    expect(src.requests).toHaveLength(2);
    src.requests[1]?.answer.resolve(0);
    await expect(next).resolves.toBeUndefined();
  });
});
