/**
 * Time as a dependency. Everything that decides by time takes a Clock, so that a test can run
 * a ManualClock and a simulation can replay a run exactly.
 */
export interface Timer {
  cancel(): void;
}

export interface Clock {
  /** Milliseconds since an arbitrary origin; never goes backwards. */
  now(): number;
  /** Wall-clock milliseconds since the Unix epoch, for timestamps shown to people. */
  wallNow(): number;
  setTimeout(fn: () => void, ms: number): Timer;
  setInterval(fn: () => void, ms: number): Timer;
  sleep(ms: number): Promise<void>;
}

export class RealClock implements Clock {
  now(): number {
    return performance.now();
  }

  wallNow(): number {
    return Date.now();
  }

  setTimeout(fn: () => void, ms: number): Timer {
    const h = setTimeout(fn, ms);
    return { cancel: () => clearTimeout(h) };
  }

  setInterval(fn: () => void, ms: number): Timer {
    const h = setInterval(fn, ms);
    return { cancel: () => clearInterval(h) };
  }

  sleep(ms: number): Promise<void> {
    return new Promise((resolve) => setTimeout(resolve, ms));
  }
}

interface PendingTimer {
  id: number;
  at: number;
  fn: () => void;
  every: number | null;
  cancelled: boolean;
}

/**
 * A clock that moves only when told to. Timers due at the same instant fire in the order they
 * were created, so a run is a pure function of the calls made on it.
 */
export class ManualClock implements Clock {
  private current: number;
  private readonly wallOrigin: number;
  private nextId = 1;
  private timers: PendingTimer[] = [];

  constructor(start = 0, wallOrigin = Date.UTC(2026, 0, 1)) {
    this.current = start;
    this.wallOrigin = wallOrigin;
  }

  now(): number {
    return this.current;
  }

  wallNow(): number {
    return this.wallOrigin + this.current;
  }

  setTimeout(fn: () => void, ms: number): Timer {
    return this.add(fn, ms, null);
  }

  setInterval(fn: () => void, ms: number): Timer {
    return this.add(fn, ms, Math.max(1, ms));
  }

  sleep(ms: number): Promise<void> {
    return new Promise((resolve) => this.setTimeout(resolve, ms));
  }

  /** Number of timers still pending. */
  pending(): number {
    return this.timers.filter((t) => !t.cancelled).length;
  }

  /** Moves time forward by `ms`, firing every timer that falls due on the way, in order. */
  advance(ms: number): void {
    const target = this.current + ms;
    while (this.fireNextDue(target)) {
      // keep firing
    }
    this.finishAdvance(target);
  }

  /** Like advance, but yields to the microtask queue after each timer so awaiting code can run. */
  async advanceAsync(ms: number): Promise<void> {
    const target = this.current + ms;
    do {
      await flushMicrotasks();
    } while (this.fireNextDue(target));
    this.finishAdvance(target);
    await flushMicrotasks();
  }

  /** Fires the earliest timer due at or before `target`; false when there is none. */
  private fireNextDue(target: number): boolean {
    const next = this.earliest();
    if (next === undefined || next.at > target) return false;
    this.current = Math.max(this.current, next.at);
    if (next.every === null) next.cancelled = true;
    else next.at += next.every;
    next.fn();
    return true;
  }

  private finishAdvance(target: number): void {
    this.timers = this.timers.filter((t) => !t.cancelled);
    this.current = target;
  }

  private add(fn: () => void, ms: number, every: number | null): Timer {
    const t: PendingTimer = { id: this.nextId++, at: this.current + Math.max(0, ms), fn, every, cancelled: false };
    this.timers.push(t);
    return { cancel: () => { t.cancelled = true; } };
  }

  private earliest(): PendingTimer | undefined {
    let best: PendingTimer | undefined;
    for (const t of this.timers) {
      if (t.cancelled) continue;
      if (best === undefined || t.at < best.at || (t.at === best.at && t.id < best.id)) best = t;
    }
    return best;
  }
}

async function flushMicrotasks(): Promise<void> {
  for (let i = 0; i < 10; i++) await Promise.resolve();
}
