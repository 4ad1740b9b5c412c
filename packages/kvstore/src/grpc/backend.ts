/**
 * What the gRPC services need from a store member. The services own the wire protocol (decoding,
 * watch ids, stream bookkeeping, error statuses); a backend owns consensus and the state machine.
 * EtcdServer (src/server) is the production implementation.
 *
 * Errors: a backend rejects with an error that carries etcd's message and gRPC code (see
 * errors.ts); anything else reaches the client as UNKNOWN with its message.
 */
import type {
  CompactionRequest,
  CompactionResponse,
  DeleteRangeRequest,
  DeleteRangeResponse,
  Event,
  LeaseGrantRequest,
  LeaseGrantResponse,
  LeaseKeepAliveResponse,
  LeaseLeasesResponse,
  LeaseRevokeRequest,
  LeaseRevokeResponse,
  LeaseTimeToLiveRequest,
  LeaseTimeToLiveResponse,
  MemberAddRequest,
  MemberAddResponse,
  MemberListResponse,
  PutRequest,
  PutResponse,
  RangeRequest,
  RangeResponse,
  ResponseHeader,
  StatusResponse,
  TxnRequest,
  TxnResponse,
  WatchCreateRequest,
} from './etcd-types';

/** Where a watcher's output goes. Calls arrive in revision order and never after cancel(). */
export interface WatchSink {
  /**
   * Events of one or more whole revisions, oldest first (never half a revision), already
   * filtered by key range; `revision` is the store revision they bring the watcher up to.
   */
  events(events: Event[], revision: number): void;
  /**
   * The backend ended the watcher: its start revision is compacted (compactRevision > 0) or it
   * could not keep up. No call follows.
   */
  canceled(compactRevision: number, reason: string): void;
}

export interface WatchHandle {
  /** Stops delivery; idempotent. */
  cancel(): void;
  /**
   * The revision up to which this watcher has been sent everything, or undefined while it is
   * still replaying history (a progress notification must not claim more than was delivered).
   */
  syncedRevision(): number | undefined;
}

export interface EtcdBackend {
  range(req: RangeRequest): Promise<RangeResponse>;
  put(req: PutRequest): Promise<PutResponse>;
  deleteRange(req: DeleteRangeRequest): Promise<DeleteRangeResponse>;
  txn(req: TxnRequest): Promise<TxnResponse>;
  compact(req: CompactionRequest): Promise<CompactionResponse>;

  leaseGrant(req: LeaseGrantRequest): Promise<LeaseGrantResponse>;
  leaseRevoke(req: LeaseRevokeRequest): Promise<LeaseRevokeResponse>;
  /** TTL <= 0 in the answer when the lease does not exist (etcd answers, it does not fail). */
  leaseKeepAlive(id: number): Promise<LeaseKeepAliveResponse>;
  leaseTimeToLive(req: LeaseTimeToLiveRequest): Promise<LeaseTimeToLiveResponse>;
  leaseLeases(): Promise<LeaseLeasesResponse>;

  /**
   * Starts a watcher over [key, rangeEnd) from req.startRevision (0: after the current
   * revision). Filters and prevKv are the backend's job too: it alone has the history. Throws
   * synchronously for a request that cannot start (the caller turns it into a cancel response).
   */
  watch(req: WatchCreateRequest, sink: WatchSink): WatchHandle;

  memberList(): Promise<MemberListResponse>;
  /** Optional: a member without a peer transport (tests over the in-memory network) answers UNIMPLEMENTED. */
  memberAdd?(req: MemberAddRequest): Promise<MemberAddResponse>;
  memberRemove?(req: { ID?: number }): Promise<MemberListResponse>;
  memberPromote?(req: { ID?: number }): Promise<MemberListResponse>;
  status(): Promise<StatusResponse>;
  /** The header for answers that carry no state of their own (watch created, progress). */
  header(): ResponseHeader;
}
