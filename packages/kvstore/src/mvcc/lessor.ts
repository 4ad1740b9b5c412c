import { ErrLeaseExist, ErrLeaseNotFound, ErrLeaseTTLTooLarge } from './errors';
import type { KeyRecord } from './key-index';

/** etcd's MaxLeaseTTL (seconds). */
export const MAX_LEASE_TTL = 9_000_000_000;

/**
 * etcd's minimum lease TTL: ceil(1.5 * election timeout) in seconds, so that a lease cannot
 * expire during a leader election (2 s with the default 1000 ms election timeout).
 */
export function minLeaseTtlSeconds(electionTimeoutMs: number): number {
  return Math.ceil((1.5 * electionTimeoutMs) / 1000);
}

/** A lease ID as the leader picks it before proposing a grant: positive, below 2^53. */
export function generateLeaseId(rng: { next(): number }): number {
  return 1 + Math.floor(rng.next() * (Number.MAX_SAFE_INTEGER - 1));
}

/**
 * A lease. `ttl` and `remainingTtl` are replicated state (in snapshots). `expiry` is this
 * member's local deadline in ms: finite only while this member is the primary (leader); a
 * follower never expires anything, as in etcd, and a new leader sets every deadline in promote().
 */
export class Lease {
  readonly keys = new Set<KeyRecord>();

  constructor(
    readonly id: number,
    public ttl: number,
    public remainingTtl: number,
    public expiry: number,
  ) {}

  /** Seconds to use when (re)starting the countdown: the checkpointed remainder if any. */
  countdownSeconds(): number {
    return this.remainingTtl > 0 ? this.remainingTtl : this.ttl;
  }
}

export class Lessor {
  private readonly leases = new Map<number, Lease>();
  private primary = false;
  /** Highest lease ID ever granted: the base of IDs picked for grants that carry ID 0. */
  lastId = 0;

  constructor(readonly minTtl: number) {}

  get isPrimary(): boolean {
    return this.primary;
  }

  get(id: number): Lease | undefined {
    return this.leases.get(id);
  }

  mustGet(id: number): Lease {
    const l = this.leases.get(id);
    if (!l) throw new ErrLeaseNotFound();
    return l;
  }

  /** Checks a grant; returns the TTL it will get. Throws without changing anything. */
  checkGrant(id: number, ttl: number): number {
    if (ttl > MAX_LEASE_TTL) throw new ErrLeaseTTLTooLarge();
    if (id !== 0 && this.leases.has(id)) throw new ErrLeaseExist();
    return Math.max(ttl, this.minTtl);
  }

  grant(id: number, ttl: number, now: number): Lease {
    const granted = this.checkGrant(id, ttl);
    const lid = id !== 0 ? id : this.lastId + 1;
    const lease = new Lease(lid, granted, 0, this.primary ? now + granted * 1000 : Infinity);
    this.leases.set(lid, lease);
    this.lastId = Math.max(this.lastId, lid);
    return lease;
  }

  /** Restores a lease from a snapshot (no checks, no deadline until promote). */
  load(id: number, ttl: number, remainingTtl: number): void {
    this.leases.set(id, new Lease(id, ttl, remainingTtl, Infinity));
  }

  remove(id: number): void {
    this.leases.delete(id);
  }

  /** All leases, ordered by ID (deterministic for snapshots and listings). */
  all(): Lease[] {
    return [...this.leases.values()].sort((a, b) => a.id - b.id);
  }

  /**
   * Keepalive: restarts the countdown at the full TTL and returns it. Local to the leader, not
   * replicated (etcd's Renew); a leader change re-arms deadlines through promote().
   */
  renew(id: number, now: number): number {
    const l = this.mustGet(id);
    if (this.primary && l.expiry <= now) throw new ErrLeaseNotFound();
    l.expiry = this.primary ? now + l.ttl * 1000 : Infinity;
    return l.ttl;
  }

  checkpoint(id: number, remainingTtl: number, now: number): void {
    const l = this.leases.get(id);
    if (!l) return;
    l.remainingTtl = remainingTtl;
    if (this.primary) l.expiry = now + l.countdownSeconds() * 1000;
  }

  /** A member became leader: every lease gets its countdown again, plus `extendMs`. */
  promote(now: number, extendMs: number): void {
    this.primary = true;
    for (const l of this.leases.values()) l.expiry = now + l.countdownSeconds() * 1000 + extendMs;
  }

  /** A member stopped leading: it no longer expires anything. */
  demote(): void {
    this.primary = false;
    for (const l of this.leases.values()) l.expiry = Infinity;
  }

  /** IDs of leases past their deadline at `now` (none unless primary), ordered by ID. */
  expired(now: number): number[] {
    const out: number[] = [];
    for (const l of this.leases.values()) if (l.expiry <= now) out.push(l.id);
    return out.sort((a, b) => a - b);
  }

  /** Remaining whole seconds, truncated like etcd; the granted TTL when not primary. */
  remaining(l: Lease, now: number): number {
    if (!Number.isFinite(l.expiry)) return l.countdownSeconds();
    return Math.max(0, Math.floor((l.expiry - now) / 1000));
  }

  clear(): void {
    this.leases.clear();
    this.lastId = 0;
  }
}
