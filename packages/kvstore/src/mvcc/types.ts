/**
 * The etcd v3 request and response shapes the MVCC state machine speaks.
 *
 * Field names are exactly those of etcd's api/etcdserverpb/rpc.proto and api/mvccpb/kv.proto in
 * lowerCamelCase, as @grpc/proto-loader decodes them with keepCase=false, longs=Number,
 * enums=String, bytes=Buffer. So a decoded gRPC message is a valid request here, and a response
 * built here encodes unchanged. Request fields are optional (proto3 omits defaults unless the
 * loader is asked for them); response fields are always present.
 *
 * Keys and values are bytes (Uint8Array; a Buffer is one). int64 fields are numbers: revisions,
 * versions and TTLs stay far below 2^53; lease IDs above 2^53 lose precision, as with longs=Number.
 */

export type Bytes = Uint8Array;

/** etcdserverpb.ResponseHeader. The state machine fills `revision`; the server fills the rest. */
export interface ResponseHeader {
  clusterId: number;
  memberId: number;
  revision: number;
  raftTerm: number;
}

/** mvccpb.KeyValue. */
export interface KeyValue {
  key: Bytes;
  createRevision: number;
  modRevision: number;
  /** Number of writes since the key was (re)created; reset by a delete. */
  version: number;
  value: Bytes;
  lease: number;
}

export type EventType = 'PUT' | 'DELETE';

/** mvccpb.Event. For a DELETE, `kv` holds only the key and the deleting revision as modRevision. */
export interface Event {
  type: EventType;
  kv: KeyValue;
  prevKv?: KeyValue | null;
}

export type SortOrder = 'NONE' | 'ASCEND' | 'DESCEND';
export type SortTarget = 'KEY' | 'VERSION' | 'CREATE' | 'MOD' | 'VALUE';

export interface RangeRequest {
  key?: Bytes;
  /** Empty: the single key. [0]: every key >= key. Otherwise [key, rangeEnd). */
  rangeEnd?: Bytes;
  limit?: number;
  /** Read at this revision; 0 (or absent) means the current one. */
  revision?: number;
  sortOrder?: SortOrder;
  sortTarget?: SortTarget;
  serializable?: boolean;
  keysOnly?: boolean;
  countOnly?: boolean;
  minModRevision?: number;
  maxModRevision?: number;
  minCreateRevision?: number;
  maxCreateRevision?: number;
}

export interface RangeResponse {
  header: ResponseHeader;
  kvs: KeyValue[];
  more: boolean;
  count: number;
}

export interface PutRequest {
  key?: Bytes;
  value?: Bytes;
  lease?: number;
  prevKv?: boolean;
  ignoreValue?: boolean;
  ignoreLease?: boolean;
}

export interface PutResponse {
  header: ResponseHeader;
  prevKv?: KeyValue | null;
}

export interface DeleteRangeRequest {
  key?: Bytes;
  rangeEnd?: Bytes;
  prevKv?: boolean;
}

export interface DeleteRangeResponse {
  header: ResponseHeader;
  deleted: number;
  prevKvs: KeyValue[];
}

export type CompareResult = 'EQUAL' | 'GREATER' | 'LESS' | 'NOT_EQUAL';
export type CompareTarget = 'VERSION' | 'CREATE' | 'MOD' | 'VALUE' | 'LEASE';

/** etcdserverpb.Compare; the operand is the oneof `targetUnion` field matching `target`. */
export interface Compare {
  result?: CompareResult;
  target?: CompareTarget;
  key?: Bytes;
  rangeEnd?: Bytes;
  version?: number;
  createRevision?: number;
  modRevision?: number;
  value?: Bytes;
  lease?: number;
  /** Set by proto-loader with oneofs=true; informative only. */
  targetUnion?: 'version' | 'createRevision' | 'modRevision' | 'value' | 'lease';
}

/** etcdserverpb.RequestOp: exactly one of the four is set. */
export interface RequestOp {
  requestRange?: RangeRequest | null;
  requestPut?: PutRequest | null;
  requestDeleteRange?: DeleteRangeRequest | null;
  requestTxn?: TxnRequest | null;
  /** Set by proto-loader with oneofs=true; informative only. */
  request?: 'requestRange' | 'requestPut' | 'requestDeleteRange' | 'requestTxn';
}

/** etcdserverpb.ResponseOp: exactly one of the four is set. */
export interface ResponseOp {
  responseRange?: RangeResponse;
  responsePut?: PutResponse;
  responseDeleteRange?: DeleteRangeResponse;
  responseTxn?: TxnResponse;
}

export interface TxnRequest {
  compare?: Compare[];
  success?: RequestOp[];
  failure?: RequestOp[];
}

export interface TxnResponse {
  header: ResponseHeader;
  succeeded: boolean;
  responses: ResponseOp[];
}

export interface CompactionRequest {
  revision?: number;
  physical?: boolean;
}

export interface CompactionResponse {
  header: ResponseHeader;
}

export interface LeaseGrantRequest {
  /** Requested TTL in seconds; raised to the minimum TTL. */
  TTL?: number;
  /** 0 asks for an ID; the leader picks it before proposing (see generateLeaseId). */
  ID?: number;
}

export interface LeaseGrantResponse {
  header: ResponseHeader;
  ID: number;
  TTL: number;
  error: string;
}

export interface LeaseRevokeRequest {
  ID?: number;
}

export interface LeaseRevokeResponse {
  header: ResponseHeader;
}

export interface LeaseCheckpoint {
  ID?: number;
  remainingTTL?: number;
}

export interface LeaseCheckpointRequest {
  checkpoints?: LeaseCheckpoint[];
}

export interface LeaseCheckpointResponse {
  header: ResponseHeader;
}

export interface LeaseKeepAliveRequest {
  ID?: number;
}

export interface LeaseKeepAliveResponse {
  header: ResponseHeader;
  ID: number;
  TTL: number;
}

export interface LeaseTimeToLiveRequest {
  ID?: number;
  keys?: boolean;
}

export interface LeaseTimeToLiveResponse {
  header: ResponseHeader;
  ID: number;
  /** Remaining seconds (etcd truncates); the gRPC layer answers -1 for an unknown lease. */
  TTL: number;
  grantedTTL: number;
  keys: Bytes[];
}

export type LeaseLeasesRequest = Record<string, never>;

export interface LeaseStatus {
  ID: number;
}

export interface LeaseLeasesResponse {
  header: ResponseHeader;
  leases: LeaseStatus[];
}

export type WatchFilterType = 'NOPUT' | 'NODELETE';

export interface WatchCreateRequest {
  key?: Bytes;
  rangeEnd?: Bytes;
  startRevision?: number;
  progressNotify?: boolean;
  filters?: WatchFilterType[];
  prevKv?: boolean;
  watchId?: number;
  fragment?: boolean;
}

export interface WatchCancelRequest {
  watchId?: number;
}

export type WatchProgressRequest = Record<string, never>;

export interface WatchRequest {
  createRequest?: WatchCreateRequest | null;
  cancelRequest?: WatchCancelRequest | null;
  progressRequest?: WatchProgressRequest | null;
  requestUnion?: 'createRequest' | 'cancelRequest' | 'progressRequest';
}

export interface WatchResponse {
  header: ResponseHeader;
  watchId: number;
  created: boolean;
  canceled: boolean;
  /** Set when the watch was cancelled because its next revision was compacted. */
  compactRevision: number;
  cancelReason: string;
  fragment: boolean;
  events: Event[];
}

/**
 * What Raft replicates: etcdserverpb.InternalRaftRequest restricted to what the state machine
 * applies. Exactly one field is set. Reads are not here: linearizable reads go through ReadIndex
 * and then `range`, never through the log.
 */
export interface InternalRequest {
  put?: PutRequest;
  deleteRange?: DeleteRangeRequest;
  txn?: TxnRequest;
  compaction?: CompactionRequest;
  leaseGrant?: LeaseGrantRequest;
  leaseRevoke?: LeaseRevokeRequest;
  leaseCheckpoint?: LeaseCheckpointRequest;
}

/** The response to an InternalRequest: the field named like the request's is set. */
export interface InternalResponse {
  put?: PutResponse;
  deleteRange?: DeleteRangeResponse;
  txn?: TxnResponse;
  compaction?: CompactionResponse;
  leaseGrant?: LeaseGrantResponse;
  leaseRevoke?: LeaseRevokeResponse;
  leaseCheckpoint?: LeaseCheckpointResponse;
}

/** Inputs an apply may depend on besides the request: only time, in ms, from the caller's Clock. */
export interface ApplyContext {
  now: number;
}
