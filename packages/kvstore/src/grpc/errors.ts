/**
 * etcd's errors as gRPC statuses. etcd's gRPC layer answers each failure with a fixed code and an
 * "etcdserver: ..." message (api/v3rpc/rpctypes); clients match on the text (etcd3 maps it to
 * typed errors, etcdctl prints it), so code and text must both be exact.
 *
 * The MVCC layer's errors (src/mvcc/errors.ts) already carry both; this file adds the ones only
 * the server and the gRPC layer produce, and maps anything else to UNKNOWN as grpc-go would.
 */
import type { StatusObject } from '@grpc/grpc-js';
import { EtcdError, GrpcCode } from '../mvcc';

/** grpc codes the mvcc table does not name. */
const UNKNOWN = 2;

const make = (code: string, grpc: GrpcCode, message: string) => (): EtcdError => new EtcdError(code, grpc, message);

/** Server-level failures, named after etcd's rpctypes.ErrGRPC*. */
export const serverErrors = {
  memberNotFound: make('MemberNotFound', GrpcCode.NOT_FOUND, 'etcdserver: member not found'),
  authNotEnabled: make('AuthNotEnabled', GrpcCode.FAILED_PRECONDITION, 'etcdserver: authentication is not enabled'),
  leaderChanged: make('LeaderChanged', GrpcCode.UNAVAILABLE, 'etcdserver: leader changed'),
  stopped: make('Stopped', GrpcCode.UNAVAILABLE, 'etcdserver: server stopped'),
  timeout: make('Timeout', GrpcCode.UNAVAILABLE, 'etcdserver: request timed out'),
} as const;

/** The gRPC status etcd would answer for `err`. */
export function toStatus(err: unknown): { code: number; details: string } {
  if (err instanceof EtcdError) return { code: err.grpcCode, details: err.message };
  const message = err instanceof Error ? err.message : String(err);
  return { code: UNKNOWN, details: message };
}

/** The error object grpc-js expects from a unary callback or stream.destroy(). */
export function toServiceError(err: unknown): Partial<StatusObject> & Error {
  const st = toStatus(err);
  return Object.assign(new Error(st.details), st);
}
