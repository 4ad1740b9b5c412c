/**
 * The etcd v3 messages of the gRPC surface. The key-value, watch and lease shapes are the MVCC
 * layer's (src/mvcc/types.ts: etcd's names in lowerCamelCase as proto-loader decodes them with
 * keepCase=false, longs=Number, enums=String); the cluster and maintenance shapes, which only the
 * server fills, are declared here under the same rule.
 *
 * int64 as number is exact below 2^53: the server only ever issues lease, member and cluster
 * ids below that bound, so the ids it hands out survive a round trip.
 */
export type {
  Bytes,
  CompactionRequest,
  CompactionResponse,
  Compare,
  DeleteRangeRequest,
  DeleteRangeResponse,
  Event,
  KeyValue,
  LeaseGrantRequest,
  LeaseGrantResponse,
  LeaseKeepAliveRequest,
  LeaseKeepAliveResponse,
  LeaseLeasesResponse,
  LeaseRevokeRequest,
  LeaseRevokeResponse,
  LeaseTimeToLiveRequest,
  LeaseTimeToLiveResponse,
  PutRequest,
  PutResponse,
  RangeRequest,
  RangeResponse,
  RequestOp,
  ResponseHeader,
  ResponseOp,
  TxnRequest,
  TxnResponse,
  WatchCreateRequest,
  WatchRequest,
  WatchResponse,
} from '../mvcc';
import type { ResponseHeader } from '../mvcc';

/** etcdserverpb.Member. */
export interface Member {
  ID: number;
  /** Empty until the member has started and published itself. */
  name: string;
  peerURLs: string[];
  clientURLs: string[];
  isLearner: boolean;
}

export interface MemberAddRequest {
  peerURLs?: string[];
  isLearner?: boolean;
}

export interface MemberAddResponse {
  header: ResponseHeader;
  member: Member;
  members: Member[];
}

export interface MemberListResponse {
  header: ResponseHeader;
  members: Member[];
}

/** etcdserverpb.StatusResponse (the 3.4 fields). */
export interface StatusResponse {
  header: ResponseHeader;
  version: string;
  dbSize: number;
  leader: number;
  raftIndex: number;
  raftTerm: number;
  raftAppliedIndex: number;
  errors: string[];
  dbSizeInUse: number;
  isLearner: boolean;
}
