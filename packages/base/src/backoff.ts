import type { Rng } from './rng';

export interface BackoffOptions {
  /** First delay, in ms. */
  initialMs: number;
  /** Upper bound of any delay, in ms. */
  maxMs: number;
  /** Growth per failure (2 doubles). */
  factor?: number;
  /** Fraction of the delay drawn at random and added, in [0, 1]; spreads out retries of many clients. */
  jitter?: number;
}

/**
 * Exponential backoff with jitter. Each `next()` is the delay before the next attempt;
 * `reset()` after a success. Chance comes from the injected Rng, so tests are repeatable.
 */
export class Backoff {
  private attempt = 0;

  constructor(private readonly opts: BackoffOptions, private readonly rng: Rng) {
    if (opts.initialMs <= 0 || opts.maxMs < opts.initialMs) {
      throw new RangeError(`Backoff: need 0 < initialMs <= maxMs, got ${opts.initialMs}, ${opts.maxMs}`);
    }
  }

  next(): number {
    const factor = this.opts.factor ?? 2;
    const base = Math.min(this.opts.maxMs, this.opts.initialMs * Math.pow(factor, this.attempt));
    this.attempt++;
    const jitter = this.opts.jitter ?? 0;
    return Math.min(this.opts.maxMs, base + base * jitter * this.rng.next());
  }

  reset(): void {
    this.attempt = 0;
  }

  get failures(): number {
    return this.attempt;
  }
}
