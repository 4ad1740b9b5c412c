import { KubemuError } from '@kubemu/base';

/**
 * The failures of the MVCC state machine, each with etcd's exact message
 * (etcd-io/etcd api/v3rpc/rpctypes/error.go) and the gRPC status code etcd answers with.
 *
 * Boundary: the MvccStore methods (apply, range, lease queries) THROW these; nothing else is
 * thrown for an expected failure. A failed apply changes no state, so a member that applies the
 * same failing entry fails the same way and stays identical to the others. The gRPC layer maps
 * `grpcCode` and `message` onto the status it sends.
 */

/** gRPC status codes (google.golang.org/grpc/codes), numbered as on the wire. */
export const GrpcCode = {
  OK: 0,
  INVALID_ARGUMENT: 3,
  NOT_FOUND: 5,
  FAILED_PRECONDITION: 9,
  RESOURCE_EXHAUSTED: 8,
  OUT_OF_RANGE: 11,
  UNAVAILABLE: 14,
} as const;
export type GrpcCode = (typeof GrpcCode)[keyof typeof GrpcCode];

/** Base of every etcd wire error: `message` is etcd's text, `grpcCode` its status code. */
export class EtcdError extends KubemuError {
  readonly grpcCode: GrpcCode;

  constructor(code: string, grpcCode: GrpcCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
    this.grpcCode = grpcCode;
  }
}

function etcdError(code: string, grpc: GrpcCode, message: string): new (options?: { cause?: unknown }) => EtcdError {
  return class extends EtcdError {
    constructor(options?: { cause?: unknown }) {
      super(code, grpc, message, options);
    }
  };
}

export class ErrEmptyKey extends etcdError('EmptyKey', GrpcCode.INVALID_ARGUMENT, 'etcdserver: key is not provided') {}
export class ErrKeyNotFound extends etcdError('KeyNotFound', GrpcCode.INVALID_ARGUMENT, 'etcdserver: key not found') {}
export class ErrValueProvided extends etcdError('ValueProvided', GrpcCode.INVALID_ARGUMENT, 'etcdserver: value is provided') {}
export class ErrLeaseProvided extends etcdError('LeaseProvided', GrpcCode.INVALID_ARGUMENT, 'etcdserver: lease is provided') {}
export class ErrTooManyOps extends etcdError('TooManyOps', GrpcCode.INVALID_ARGUMENT, 'etcdserver: too many operations in txn request') {}
export class ErrDuplicateKey extends etcdError('DuplicateKey', GrpcCode.INVALID_ARGUMENT, 'etcdserver: duplicate key given in txn request') {}
export class ErrCompacted extends etcdError('Compacted', GrpcCode.OUT_OF_RANGE, 'etcdserver: mvcc: required revision has been compacted') {}
export class ErrFutureRev extends etcdError('FutureRev', GrpcCode.OUT_OF_RANGE, 'etcdserver: mvcc: required revision is a future revision') {}
export class ErrNoSpace extends etcdError('NoSpace', GrpcCode.RESOURCE_EXHAUSTED, 'etcdserver: mvcc: database space exceeded') {}
export class ErrLeaseNotFound extends etcdError('LeaseNotFound', GrpcCode.NOT_FOUND, 'etcdserver: requested lease not found') {}
export class ErrLeaseExist extends etcdError('LeaseExist', GrpcCode.FAILED_PRECONDITION, 'etcdserver: lease already exists') {}
export class ErrLeaseTTLTooLarge extends etcdError('LeaseTTLTooLarge', GrpcCode.OUT_OF_RANGE, 'etcdserver: too large lease TTL') {}
export class ErrRequestTooLarge extends etcdError('RequestTooLarge', GrpcCode.INVALID_ARGUMENT, 'etcdserver: request is too large') {}
export class ErrTooManyRequests extends etcdError('TooManyRequests', GrpcCode.RESOURCE_EXHAUSTED, 'etcdserver: too many requests') {}
export class ErrNoLeader extends etcdError('NoLeader', GrpcCode.UNAVAILABLE, 'etcdserver: no leader') {}
export class ErrNotLeader extends etcdError('NotLeader', GrpcCode.FAILED_PRECONDITION, 'etcdserver: not leader') {}

/** A snapshot that cannot be decoded (bad magic, truncated). Not an etcd wire error. */
export class SnapshotFormatError extends KubemuError {
  constructor(message: string) {
    super('SnapshotFormat', message);
  }
}
