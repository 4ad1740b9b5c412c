// How long to wait before retrying an item, as client-go's workqueue rate limiters decide.
import type { Clock } from '@kubemu/base';
import { TokenBucket } from './token-bucket';

export interface RateLimiter<K> {
  /** The delay before `item` may be processed again; counts as one more failure of it. */
  when(item: K): number;
  /** Clears the item's failure history (after a success). */
  forget(item: K): void;
  /** Failures recorded for the item since it was last forgotten. */
  numRequeues(item: K): number;
}

/** base * 2^failures, capped at max: 5 ms, 10 ms, 20 ms ... 1000 s by default. */
export class ItemExponentialFailureRateLimiter<K> implements RateLimiter<K> {
  private readonly failures = new Map<K, number>();

  constructor(
    private readonly baseMs = 5,
    private readonly maxMs = 1000 * 1000,
  ) {}

  when(item: K): number {
    const exp = this.failures.get(item) ?? 0;
    this.failures.set(item, exp + 1);
    // 2^exp overflows to Infinity long before it matters; the cap keeps it finite.
    return Math.min(this.maxMs, this.baseMs * Math.pow(2, exp));
  }

  forget(item: K): void {
    this.failures.delete(item);
  }

  numRequeues(item: K): number {
    return this.failures.get(item) ?? 0;
  }
}

/** One overall token bucket for all items; it remembers no item (forget is a no-op). */
export class BucketRateLimiter<K> implements RateLimiter<K> {
  private readonly bucket: TokenBucket;

  constructor(qps: number, burst: number, clock: Clock) {
    this.bucket = new TokenBucket(qps, burst, clock);
  }

  when(_item: K): number {
    return this.bucket.reserve();
  }

  forget(_item: K): void {}

  numRequeues(_item: K): number {
    return 0;
  }
}

/** The longest delay of several limiters; every limiter records the failure. */
export class MaxOfRateLimiter<K> implements RateLimiter<K> {
  private readonly limiters: RateLimiter<K>[];

  constructor(...limiters: RateLimiter<K>[]) {
    this.limiters = limiters;
  }

  when(item: K): number {
    let max = 0;
    for (const l of this.limiters) max = Math.max(max, l.when(item));
    return max;
  }

  forget(item: K): void {
    for (const l of this.limiters) l.forget(item);
  }

  numRequeues(item: K): number {
    let max = 0;
    for (const l of this.limiters) max = Math.max(max, l.numRequeues(item));
    return max;
  }
}

/**
 * workqueue.DefaultControllerRateLimiter: per-item exponential backoff from 5 ms to 1000 s, and
 * an overall 10 qps / burst 100 bucket so that many failing items cannot flood the server.
 */
export function defaultControllerRateLimiter<K>(clock: Clock): RateLimiter<K> {
  return new MaxOfRateLimiter<K>(new ItemExponentialFailureRateLimiter<K>(5, 1000 * 1000), new BucketRateLimiter<K>(10, 100, clock));
}
