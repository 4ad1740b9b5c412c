import { fromLatin1, rangeEndOf, toLatin1 } from './bytes';
import { ErrCompacted, ErrEmptyKey, ErrFutureRev, ErrKeyNotFound, ErrLeaseNotFound, ErrLeaseProvided, ErrValueProvided } from './errors';
import { History, toKeyValue } from './history';
import { KeyIndex, LEASE, MOD, SLOTS, VALUE, type KeyRecord } from './key-index';
import { Lessor, minLeaseTtlSeconds } from './lessor';
import { eachInRange, rangeAt, readRevision } from './range';
import { runTxn } from './txn';
import { WatchHub, type WatchHubOptions } from './watch-hub';
import { decodeSnapshot, encodeSnapshot } from './snapshot';
import type {
  ApplyContext, CompactionRequest, CompactionResponse, DeleteRangeRequest, DeleteRangeResponse, InternalRequest,
  InternalResponse, KeyValue, LeaseCheckpointRequest, LeaseGrantRequest, LeaseGrantResponse, LeaseLeasesResponse,
  LeaseRevokeRequest, LeaseTimeToLiveResponse, PutRequest, PutResponse, RangeRequest, RangeResponse, ResponseHeader,
  TxnRequest, TxnResponse,
} from './types';
import { header } from './header';

export interface MvccStoreOptions {
  /** Minimum lease TTL in seconds; default from the 1000 ms election timeout (2 s). */
  minLeaseTtl?: number;
  watch?: WatchHubOptions;
}

/**
 * The etcd MVCC state machine. Replicated state: the key index with every retained version, the
 * revision-ordered history, the current and compacted revisions, and the leases (ID, TTL,
 * checkpointed remainder). Everything else (lease deadlines, watchers) is local to a member.
 *
 * Error boundary: every public method throws an EtcdError subclass (errors.ts) for an expected
 * failure, and a throwing write leaves the state untouched: all checks run before the first change.
 *
 * Revisions: `currentRev` starts at 1 like etcd's. One write request (put, deleteRange, txn,
 * lease revoke) that changes anything takes exactly the next main revision; its changes are
 * ordered by their history positions (etcd's sub-revisions).
 */
export class MvccStore {
  index = new KeyIndex();
  history = new History();
  readonly lessor: Lessor;
  readonly watchHub: WatchHub;
  currentRev = 1;
  compactRev = 0;
  /** History length when the write in progress began; -1 outside a write. */
  private writeStart = -1;

  constructor(opts: MvccStoreOptions = {}) {
    this.lessor = new Lessor(opts.minLeaseTtl ?? minLeaseTtlSeconds(1000));
    this.watchHub = new WatchHub(this, opts.watch);
  }

  /** The replicated entry point: the same requests in the same order give the same state. */
  apply(req: InternalRequest, ctx: ApplyContext): InternalResponse {
    if (req.put) return { put: this.put(req.put) };
    if (req.deleteRange) return { deleteRange: this.deleteRange(req.deleteRange) };
    if (req.txn) return { txn: this.txn(req.txn) };
    if (req.compaction) return { compaction: this.compact(req.compaction) };
    if (req.leaseGrant) return { leaseGrant: this.leaseGrant(req.leaseGrant, ctx.now) };
    if (req.leaseRevoke) return { leaseRevoke: this.leaseRevoke(req.leaseRevoke) };
    if (req.leaseCheckpoint) return { leaseCheckpoint: this.leaseCheckpoint(req.leaseCheckpoint, ctx.now) };
    return {};
  }

  // ---- reads (not replicated: served after ReadIndex, or locally when serializable) ----

  range(r: RangeRequest): RangeResponse {
    const rev = readRevision(r.revision, this.currentRev, this.compactRev);
    return { header: header(this.currentRev), ...rangeAt(this.index, r, rev) };
  }

  // ---- writes ----

  put(r: PutRequest): PutResponse {
    this.checkPut(r);
    return this.write(() => this.execPut(r), (resp, rev) => (resp.header.revision = rev));
  }

  deleteRange(r: DeleteRangeRequest): DeleteRangeResponse {
    this.checkDelete(r);
    return this.write(() => this.execDelete(r), (resp, rev) => (resp.header.revision = rev));
  }

  txn(r: TxnRequest): TxnResponse {
    return runTxn(this, r);
  }

  compact(r: CompactionRequest): CompactionResponse {
    const rev = r.revision ?? 0;
    if (rev <= this.compactRev) throw new ErrCompacted();
    if (rev > this.currentRev) throw new ErrFutureRev();
    this.compactRev = rev;
    // Per key: keep versions above rev and the newest one at or below it, unless that is a
    // tombstone (then the key's whole generation up to rev is gone, as in etcd's keyIndex.compact).
    const removed = new Set<KeyRecord>();
    this.index.retain((rec) => {
      const off = rec.at(rev);
      if (off >= 0) rec.v.splice(0, rec.v[off + VALUE] === null ? off + SLOTS : off);
      if (rec.v.length > 0) return true;
      removed.add(rec);
      return false;
    });
    this.history.compact(rev, (rec) => !removed.has(rec));
    this.watchHub.onCompact();
    return { header: header(this.currentRev) };
  }

  // ---- leases ----

  leaseGrant(r: LeaseGrantRequest, now: number): LeaseGrantResponse {
    const lease = this.lessor.grant(r.ID ?? 0, r.TTL ?? 0, now);
    return { header: header(this.currentRev), ID: lease.id, TTL: lease.ttl, error: '' };
  }

  /** Deletes the lease and, in one revision, every key attached to it. */
  leaseRevoke(r: LeaseRevokeRequest): { header: ResponseHeader } {
    const lease = this.lessor.mustGet(r.ID ?? 0);
    const recs = [...lease.keys].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    const resp = this.write(
      () => {
        for (const rec of recs) this.deleteRecord(rec);
        return { header: header(0) };
      },
      (res, rev) => (res.header.revision = rev),
    );
    this.lessor.remove(lease.id);
    return resp;
  }

  leaseCheckpoint(r: LeaseCheckpointRequest, now: number): { header: ResponseHeader } {
    for (const cp of r.checkpoints ?? []) this.lessor.checkpoint(cp.ID ?? 0, cp.remainingTTL ?? 0, now);
    return { header: header(this.currentRev) };
  }

  /** Keepalive, on the leader only (not replicated); returns the TTL the lease runs for again. */
  leaseKeepAlive(id: number, now: number): number {
    return this.lessor.renew(id, now);
  }

  leaseTimeToLive(id: number, now: number, keys = false): LeaseTimeToLiveResponse {
    const l = this.lessor.mustGet(id);
    const ks = keys ? [...l.keys].map((rec) => rec.key).sort().map(fromLatin1) : [];
    return { header: header(this.currentRev), ID: id, TTL: this.lessor.remaining(l, now), grantedTTL: l.ttl, keys: ks };
  }

  leaseLeases(): LeaseLeasesResponse {
    return { header: header(this.currentRev), leases: this.lessor.all().map((l) => ({ ID: l.id })) };
  }

  /** Leases the leader should revoke (by proposing leaseRevoke) at `now`; empty on followers. */
  expiredLeases(now: number): number[] {
    return this.lessor.expired(now);
  }

  /** This member became leader: re-arm every lease deadline at now + remaining TTL + extendMs. */
  promote(now: number, extendMs: number): void {
    this.lessor.promote(now, extendMs);
  }

  demote(): void {
    this.lessor.demote();
  }

  // ---- snapshots ----

  snapshot(): Uint8Array {
    return encodeSnapshot(this);
  }

  /** Replaces the whole replicated state; watchers are kept and caught up from the new history. */
  restore(data: Uint8Array): void {
    decodeSnapshot(this, data);
    this.watchHub.onRestore();
  }

  // ---- internals shared with txn.ts (a write runs between write() brackets) ----

  /** Revision the write in progress will commit at; reads inside a txn see it once it wrote. */
  get writeRev(): number {
    return this.currentRev + 1;
  }

  get wrote(): boolean {
    return this.writeStart >= 0 && this.history.length > this.writeStart;
  }

  /** Runs fn as one write: commits the next revision if fn changed anything, then notifies watchers. */
  write<T>(fn: () => T, finish: (result: T, rev: number) => void): T {
    this.writeStart = this.history.length;
    try {
      const result = fn();
      const start = this.writeStart;
      if (this.history.length > start) {
        this.currentRev++;
        this.watchHub.notify(start);
      }
      finish(result, this.currentRev);
      return result;
    } finally {
      this.writeStart = -1;
    }
  }

  checkPut(r: PutRequest): void {
    const key = toLatin1(r.key);
    if (key === '') throw new ErrEmptyKey();
    if (r.ignoreValue && r.value && r.value.byteLength > 0) throw new ErrValueProvided();
    if (r.ignoreLease && r.lease) throw new ErrLeaseProvided();
    if (r.ignoreValue || r.ignoreLease) {
      const rec = this.index.get(key);
      if (!rec || rec.liveAt(this.currentRev) < 0) throw new ErrKeyNotFound();
    }
    if (r.lease && !this.lessor.get(r.lease)) throw new ErrLeaseNotFound();
  }

  checkDelete(r: DeleteRangeRequest): void {
    if (toLatin1(r.key) === '') throw new ErrEmptyKey();
  }

  checkRange(r: RangeRequest): void {
    if (toLatin1(r.key) === '') throw new ErrEmptyKey();
    readRevision(r.revision, this.currentRev, this.compactRev);
  }

  /** Range as seen inside a write: the pending revision once the write changed something. */
  execRange(r: RangeRequest): RangeResponse {
    const current = this.wrote ? this.writeRev : this.currentRev;
    const rev = readRevision(r.revision, current, this.compactRev);
    return { header: header(current), ...rangeAt(this.index, r, rev) };
  }

  execPut(r: PutRequest): PutResponse {
    const rev = this.writeRev;
    const rec = this.index.getOrCreate(toLatin1(r.key));
    const last = rec.last();
    const live = last >= 0 && rec.v[last + VALUE] !== null;
    const prevLease = live ? (rec.v[last + LEASE] as number) : 0;
    const prevKv: KeyValue | null = r.prevKv && live ? toKeyValue(rec, last) : null;
    const create = live ? (rec.v[last + 1] as number) : rev;
    const version = live ? (rec.v[last + 2] as number) + 1 : 1;
    const value = r.ignoreValue ? (live ? (rec.v[last + VALUE] as string) : '') : toLatin1(r.value);
    const lease = r.ignoreLease ? prevLease : (r.lease ?? 0);
    if (prevLease !== 0) this.lessor.get(prevLease)?.keys.delete(rec);
    if (lease !== 0) this.lessor.get(lease)?.keys.add(rec);
    rec.push(rev, create, version, lease, value);
    this.history.append(rev, rec);
    const resp: PutResponse = { header: header(rev) };
    if (prevKv) resp.prevKv = prevKv;
    return resp;
  }

  execDelete(r: DeleteRangeRequest): DeleteRangeResponse {
    const readRev = this.wrote ? this.writeRev : this.currentRev;
    const recs: KeyRecord[] = [];
    eachInRange(this.index, toLatin1(r.key), rangeEndOf(r.rangeEnd), (rec) => {
      if (rec.liveAt(readRev) >= 0) recs.push(rec);
      return true;
    });
    const prevKvs = r.prevKv ? recs.map((rec) => toKeyValue(rec, rec.last())) : [];
    for (const rec of recs) this.deleteRecord(rec);
    return { header: header(this.writeRev), deleted: recs.length, prevKvs };
  }

  /** Writes a tombstone for a live key at the pending revision and detaches its lease. */
  private deleteRecord(rec: KeyRecord): void {
    const last = rec.last();
    const lease = rec.v[last + LEASE] as number;
    if (lease !== 0) this.lessor.get(lease)?.keys.delete(rec);
    if (rec.v[last + MOD] === this.writeRev) throw new Error(`mvcc: key written twice in revision ${this.writeRev}`);
    rec.push(this.writeRev, 0, 0, 0, null);
    this.history.append(this.writeRev, rec);
  }
}
