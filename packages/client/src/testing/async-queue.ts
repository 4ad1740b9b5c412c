// A push-fed async iterable: the body of a fake streamed response. Items pushed before the
// consumer asks are buffered; end() finishes the iteration after the buffer, fail() breaks it.

export class AsyncQueue<T> implements AsyncIterable<T> {
  private readonly items: T[] = [];
  private waiting: ((r: IteratorResult<T>) => void) | undefined;
  private rejectWaiting: ((err: unknown) => void) | undefined;
  private ended = false;
  private error: unknown;

  push(item: T): void {
    if (this.ended || this.error !== undefined) return;
    if (this.waiting !== undefined) {
      const w = this.waiting;
      this.clearWaiter();
      w({ value: item, done: false });
    } else {
      this.items.push(item);
    }
  }

  end(): void {
    if (this.ended) return;
    this.ended = true;
    if (this.waiting !== undefined && this.items.length === 0) {
      const w = this.waiting;
      this.clearWaiter();
      w({ value: undefined, done: true });
    }
  }

  /** Breaks the stream: a waiting or later next() rejects with `err` (buffered items are lost). */
  fail(err: unknown): void {
    if (this.ended || this.error !== undefined) return;
    this.error = err;
    this.items.length = 0;
    if (this.rejectWaiting !== undefined) {
      const r = this.rejectWaiting;
      this.clearWaiter();
      r(err);
    }
  }

  get closed(): boolean {
    return this.ended || this.error !== undefined;
  }

  [Symbol.asyncIterator](): AsyncIterator<T> {
    return {
      next: (): Promise<IteratorResult<T>> => {
        if (this.error !== undefined) return Promise.reject(this.error);
        const item = this.items.shift();
        if (item !== undefined) return Promise.resolve({ value: item, done: false });
        if (this.ended) return Promise.resolve({ value: undefined, done: true });
        return new Promise((resolve, reject) => {
          this.waiting = resolve;
          this.rejectWaiting = reject;
        });
      },
      return: (): Promise<IteratorResult<T>> => {
        this.end();
        return Promise.resolve({ value: undefined, done: true });
      },
    };
  }

  private clearWaiter(): void {
    this.waiting = undefined;
    this.rejectWaiting = undefined;
  }
}
