/**
 * Callers waiting for their proposal to be applied on this member. Each proposal has an id
 * unique to this member's lifetime; the apply loop settles the waiter with the state machine's
 * answer (or its EtcdError), and a timer gives up with etcd's "request timed out".
 */
import type { Clock, Timer } from '@kubemu/base';
import type { InternalResponse } from '../mvcc';

interface Waiter {
  resolve: (r: InternalResponse) => void;
  reject: (err: unknown) => void;
  timer: Timer;
}

export class Proposals {
  private readonly waiters = new Map<string, Waiter>();
  private seq = 0;

  constructor(
    private readonly prefix: string,
    private readonly clock: Clock,
  ) {}

  nextId(): string {
    return `${this.prefix}-${++this.seq}`;
  }

  /** Registers `id` and resolves with its apply result, or rejects with timeoutError() after timeoutMs. */
  wait(id: string, timeoutMs: number, timeoutError: () => Error): Promise<InternalResponse> {
    return new Promise((resolve, reject) => {
      const timer = this.clock.setTimeout(() => {
        this.waiters.delete(id);
        reject(timeoutError());
      }, timeoutMs);
      this.waiters.set(id, { resolve, reject, timer });
    });
  }

  resolve(id: string, r: InternalResponse): void {
    const w = this.take(id);
    w?.resolve(r);
  }

  reject(id: string, err: unknown): void {
    const w = this.take(id);
    w?.reject(err);
  }

  rejectAll(err: () => Error): void {
    for (const id of [...this.waiters.keys()]) this.reject(id, err());
  }

  private take(id: string): Waiter | undefined {
    const w = this.waiters.get(id);
    if (w === undefined) return undefined;
    this.waiters.delete(id);
    w.timer.cancel();
    return w;
  }
}
