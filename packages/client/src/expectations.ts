// Controller expectations: a controller that has just asked for n creations (or deletions) must
// not act on the same owner again until its informer has observed them, or it would create
// twice as many pods. Expectations expire after a TTL, in case a watch event was lost.
import type { Clock } from '@kubemu/base';

/** client-go's ExpectationsTimeout. */
export const EXPECTATIONS_TTL_MS = 5 * 60 * 1000;

export interface Expectation {
  /** Creations still to observe; <= 0 when met. */
  add: number;
  /** Deletions still to observe; <= 0 when met. */
  del: number;
  /** Clock time when the expectation was set. */
  timestamp: number;
}

export class ControllerExpectations {
  private readonly byKey = new Map<string, Expectation>();

  constructor(
    private readonly clock: Clock,
    readonly ttlMs = EXPECTATIONS_TTL_MS,
  ) {}

  getExpectations(key: string): Expectation | undefined {
    const e = this.byKey.get(key);
    return e === undefined ? undefined : { ...e };
  }

  /**
   * Whether the controller may sync `key`: true when no expectation is recorded, when it is met,
   * or when it is older than the TTL (a lost event must not stall the owner forever).
   */
  satisfiedExpectations(key: string): boolean {
    const e = this.byKey.get(key);
    if (e === undefined) return true;
    if (e.add <= 0 && e.del <= 0) return true;
    return this.clock.now() - e.timestamp > this.ttlMs;
  }

  /** Replaces whatever was expected with `add` creations and `del` deletions, from now. */
  setExpectations(key: string, add: number, del: number): void {
    this.byKey.set(key, { add, del, timestamp: this.clock.now() });
  }

  expectCreations(key: string, adds: number): void {
    this.setExpectations(key, adds, 0);
  }

  expectDeletions(key: string, dels: number): void {
    this.setExpectations(key, 0, dels);
  }

  /** Expects more on top of what is expected; the timestamp is kept. */
  raiseExpectations(key: string, add: number, del: number): void {
    const e = this.byKey.get(key);
    if (e === undefined) return;
    e.add += add;
    e.del += del;
  }

  /** Expects less: for creations or deletions that failed (and so will never be observed). */
  lowerExpectations(key: string, add: number, del: number): void {
    const e = this.byKey.get(key);
    if (e === undefined) return;
    e.add -= add;
    e.del -= del;
  }

  creationObserved(key: string): void {
    this.lowerExpectations(key, 1, 0);
  }

  deletionObserved(key: string): void {
    this.lowerExpectations(key, 0, 1);
  }

  /** Forgets the key, e.g. when its owner is deleted. */
  deleteExpectations(key: string): void {
    this.byKey.delete(key);
  }
}

/**
 * Deletion expectations that remember which objects were asked to go (by key), so that a
 * deletion observed twice (an update with deletionTimestamp, then the DELETED event) lowers the
 * count once only (client-go's UIDTrackingControllerExpectations).
 */
export class UIDTrackingExpectations {
  readonly expectations: ControllerExpectations;
  private readonly uids = new Map<string, Set<string>>();

  constructor(clock: Clock, ttlMs = EXPECTATIONS_TTL_MS) {
    this.expectations = new ControllerExpectations(clock, ttlMs);
  }

  getUIDs(controllerKey: string): ReadonlySet<string> | undefined {
    return this.uids.get(controllerKey);
  }

  /** Expects the deletion of exactly these objects (their keys or UIDs). */
  expectDeletions(controllerKey: string, deletedKeys: readonly string[]): void {
    const existing = this.uids.get(controllerKey);
    if (existing !== undefined && existing.size > 0) {
      // client-go treats this as a programming error; start over with the new set rather than add up.
      this.uids.delete(controllerKey);
    }
    this.uids.set(controllerKey, new Set(deletedKeys));
    this.expectations.expectDeletions(controllerKey, deletedKeys.length);
  }

  /** Records that `deleteKey` went away; only the first observation of it counts. */
  deletionObserved(controllerKey: string, deleteKey: string): void {
    const set = this.uids.get(controllerKey);
    if (set?.delete(deleteKey)) this.expectations.deletionObserved(controllerKey);
  }

  expectCreations(controllerKey: string, adds: number): void {
    this.expectations.expectCreations(controllerKey, adds);
  }

  creationObserved(controllerKey: string): void {
    this.expectations.creationObserved(controllerKey);
  }

  lowerExpectations(controllerKey: string, add: number, del: number): void {
    this.expectations.lowerExpectations(controllerKey, add, del);
  }

  satisfiedExpectations(controllerKey: string): boolean {
    return this.expectations.satisfiedExpectations(controllerKey);
  }

  deleteExpectations(controllerKey: string): void {
    this.expectations.deleteExpectations(controllerKey);
    this.uids.delete(controllerKey);
  }
}
