/**
 * What EtcdServer needs from the MVCC store (src/mvcc): a deterministic state machine fed with
 * committed requests, plus member-local reads, watches and lease bookkeeping.
 *
 * Determinism: apply() depends only on the request and ctx.now (the proposer's clock, carried in
 * the log entry), so every member applying the same log reaches the same state. A request that
 * fails throws an EtcdError and changes nothing.
 */
import type { WatchHandle, WatchSink } from '../grpc/backend';
import type {
  ApplyContext,
  InternalRequest,
  InternalResponse,
  LeaseLeasesResponse,
  LeaseTimeToLiveResponse,
  RangeRequest,
  RangeResponse,
  WatchCreateRequest,
} from '../mvcc';

export interface StateMachine {
  apply(req: InternalRequest, ctx: ApplyContext): InternalResponse;
  /** A read of the applied state (at req.revision when set); throws ErrCompacted/ErrFutureRev. */
  range(req: RangeRequest): RangeResponse;
  /** The store's current revision. */
  readonly currentRev: number;

  /** Leader-local, not replicated (as in etcd): pushes the expiry out; returns the TTL; throws ErrLeaseNotFound. */
  leaseKeepAlive(id: number, now: number): number;
  /** Throws ErrLeaseNotFound for an unknown lease. */
  leaseTimeToLive(id: number, now: number, keys?: boolean): LeaseTimeToLiveResponse;
  leaseLeases(): LeaseLeasesResponse;
  /** Leases whose expiry passed at `now`; the leader proposes their revocation. */
  expiredLeases(now: number): number[];
  /** This member became leader: every lease runs again from now + its remaining TTL + extendMs. */
  promote(now: number, extendMs: number): void;
  /** This member stopped leading: lease deadlines are no longer its business. */
  demote(): void;

  /** The whole replicated state, for Raft snapshots; restore() replaces the state with one. */
  snapshot(): Uint8Array;
  restore(data: Uint8Array): void;
}

/** The state machine plus its member-local watchers. */
export interface WatchableStateMachine extends StateMachine {
  watch(req: WatchCreateRequest, sink: WatchSink): WatchHandle;
  /** Approximate bytes held, for Status.dbSize. */
  sizeBytes(): number;
  /** Stops the watchers' timers. */
  close(): void;
}
