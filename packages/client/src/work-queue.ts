// The controller work queue of client-go: a set of keys to process, fair (FIFO), and never
// handing one key to two workers at once, which matters in Node too because workers interleave
// at every await.
//
// Invariants:
// - `dirty` holds every key that needs processing; `queue` holds the dirty keys that are not
//   being processed, each once, in arrival order.
// - A key is in `processing` from get() until done(). Adding it meanwhile marks it dirty only;
//   done() then puts it back in the queue, so the newest state is processed once more, later.
import type { Clock, Timer } from '@kubemu/base';
import type { RateLimiter } from './rate-limiter';
import { defaultControllerRateLimiter } from './rate-limiter';

type Waiter<K> = (item: K | undefined) => void;

export class WorkQueue<K = string> {
  private queue: K[] = [];
  private readonly dirty = new Set<K>();
  private readonly processing = new Set<K>();
  private readonly waiters: Waiter<K>[] = [];
  private shutting = false;
  private drain = false;
  private drained: (() => void) | undefined;

  /** Marks `item` as needing processing. */
  add(item: K): void {
    if (this.shutting) return;
    if (this.dirty.has(item)) return;
    if (this.processing.has(item)) {
      this.dirty.add(item);
      return;
    }
    const waiter = this.waiters.shift();
    if (waiter !== undefined) {
      // Hand over directly: the key goes straight to processing.
      this.processing.add(item);
      waiter(item);
      return;
    }
    this.dirty.add(item);
    this.queue.push(item);
  }

  /** Keys waiting (not counting those being processed). */
  len(): number {
    return this.queue.length;
  }

  /**
   * The next key, waiting for one if needed; undefined once the queue is shut down (after a
   * drain, once it is empty). The caller must call done(key) when finished with it.
   */
  get(): Promise<K | undefined> {
    const item = this.queue.shift();
    if (item !== undefined) {
      this.dirty.delete(item);
      this.processing.add(item);
      return Promise.resolve(item);
    }
    if (this.shutting) return Promise.resolve(undefined);
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  /** Ends processing of `item`; if it was added meanwhile, it is queued again. */
  done(item: K): void {
    if (!this.processing.delete(item)) return;
    if (this.dirty.has(item)) {
      this.dirty.delete(item);
      // Not through add(): the queue may be shutting down with a drain, which still processes it.
      const waiter = this.waiters.shift();
      if (waiter !== undefined) {
        this.processing.add(item);
        waiter(item);
      } else {
        this.dirty.add(item);
        this.queue.push(item);
      }
    }
    if (this.drain && this.processing.size === 0 && this.queue.length === 0) this.drained?.();
  }

  /** Refuses new keys; waiting and later get() calls return undefined once the queue is empty. */
  shutDown(): void {
    this.shutting = true;
    this.onShutDown();
    if (this.queue.length === 0) for (const w of this.waiters.splice(0)) w(undefined);
  }

  /** shutDown, then wait until every key handed out (and queued) has been processed. */
  async shutDownWithDrain(): Promise<void> {
    this.drain = true;
    this.shutDown();
    if (this.processing.size === 0 && this.queue.length === 0) return;
    await new Promise<void>((resolve) => (this.drained = resolve));
  }

  shuttingDown(): boolean {
    return this.shutting;
  }

  /** Hook for subclasses: cancel timers. */
  protected onShutDown(): void {}

  /** Whether a key is being processed right now (for tests and metrics). */
  isProcessing(item: K): boolean {
    return this.processing.has(item);
  }
}

/** Adds keys after a delay measured on the Clock (workqueue.DelayingInterface). */
export class DelayingQueue<K = string> extends WorkQueue<K> {
  /** Key -> when it becomes ready and the timer that will add it; only the earliest is kept. */
  private readonly waiting = new Map<K, { at: number; timer: Timer }>();

  constructor(protected readonly clock: Clock) {
    super();
  }

  addAfter(item: K, delayMs: number): void {
    if (this.shuttingDown()) return;
    if (delayMs <= 0) {
      this.add(item);
      return;
    }
    const at = this.clock.now() + delayMs;
    const existing = this.waiting.get(item);
    if (existing !== undefined && existing.at <= at) return;
    existing?.timer.cancel();
    const timer = this.clock.setTimeout(() => {
      this.waiting.delete(item);
      this.add(item);
    }, delayMs);
    this.waiting.set(item, { at, timer });
  }

  protected override onShutDown(): void {
    for (const w of this.waiting.values()) w.timer.cancel();
    this.waiting.clear();
  }
}

/** The queue controllers use: addRateLimited retries a key with per-key backoff. */
export class RateLimitingQueue<K = string> extends DelayingQueue<K> {
  readonly rateLimiter: RateLimiter<K>;

  constructor(clock: Clock, rateLimiter?: RateLimiter<K>) {
    super(clock);
    this.rateLimiter = rateLimiter ?? defaultControllerRateLimiter<K>(clock);
  }

  /** Adds the key after the delay its failure count (and the overall bucket) call for. */
  addRateLimited(item: K): void {
    this.addAfter(item, this.rateLimiter.when(item));
  }

  /** Forgets the key's failures: call after it was processed successfully. */
  forget(item: K): void {
    this.rateLimiter.forget(item);
  }

  numRequeues(item: K): number {
    return this.rateLimiter.numRequeues(item);
  }
}
