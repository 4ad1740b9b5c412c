/**
 * The KV, Lease, Cluster, Maintenance and Auth services: decode, check as etcd's gRPC layer does,
 * call the backend, and turn its errors into etcd's statuses. Methods left out of an
 * implementation object answer UNIMPLEMENTED (grpc-js fills them in), as etcd does for RPCs it
 * does not know.
 */
import type * as grpc from '@grpc/grpc-js';
import type { EtcdBackend } from './backend';
import { serverErrors, toServiceError } from './errors';
import type { LeaseKeepAliveRequest, LeaseKeepAliveResponse } from './etcd-types';
import { checkDeleteRange, checkPut, checkRange, checkTxn } from './validate';

type Impl = grpc.UntypedServiceImplementation;

/** A unary handler: checks run first and throw synchronously; the backend's rejection becomes a status. */
function unary<Req, Res>(fn: (req: Req) => Promise<Res>): grpc.handleUnaryCall<Req, Res> {
  return (call, callback) => {
    let p: Promise<Res>;
    try {
      p = fn(call.request);
    } catch (err) {
      callback(toServiceError(err));
      return;
    }
    p.then(
      (res) => callback(null, res),
      (err: unknown) => callback(toServiceError(err)),
    );
  };
}

export function kvService(b: EtcdBackend): Impl {
  return {
    Range: unary((req: Parameters<EtcdBackend['range']>[0]) => (checkRange(req), b.range(req))),
    Put: unary((req: Parameters<EtcdBackend['put']>[0]) => (checkPut(req), b.put(req))),
    DeleteRange: unary((req: Parameters<EtcdBackend['deleteRange']>[0]) => (checkDeleteRange(req), b.deleteRange(req))),
    Txn: unary((req: Parameters<EtcdBackend['txn']>[0]) => (checkTxn(req), b.txn(req))),
    Compact: unary((req: Parameters<EtcdBackend['compact']>[0]) => b.compact(req)),
  };
}

export function leaseService(b: EtcdBackend): Impl {
  /**
   * Keepalives on one stream are answered in request order: each waits for the previous, so a
   * client that counts responses (etcd3's keepalive) never sees them reordered.
   */
  const LeaseKeepAlive: grpc.handleBidiStreamingCall<LeaseKeepAliveRequest, LeaseKeepAliveResponse> = (call) => {
    let chain: Promise<void> = Promise.resolve();
    let done = false;
    const finish = (): void => {
      done = true;
    };
    call.on('data', (req: LeaseKeepAliveRequest) => {
      chain = chain.then(async () => {
        if (done) return;
        try {
          call.write(await b.leaseKeepAlive(req.ID ?? 0));
        } catch (err) {
          done = true;
          call.destroy(toServiceError(err));
        }
      });
    });
    call.on('end', () => {
      void chain.then(() => {
        if (!done) call.end();
        finish();
      });
    });
    call.on('cancelled', finish);
    call.on('error', finish);
  };
  return {
    LeaseGrant: unary((req: Parameters<EtcdBackend['leaseGrant']>[0]) => b.leaseGrant(req)),
    LeaseRevoke: unary((req: Parameters<EtcdBackend['leaseRevoke']>[0]) => b.leaseRevoke(req)),
    LeaseKeepAlive,
    LeaseTimeToLive: unary((req: Parameters<EtcdBackend['leaseTimeToLive']>[0]) => b.leaseTimeToLive(req)),
    LeaseLeases: unary(() => b.leaseLeases()),
  };
}

/** Membership changes as single-server Raft ConfChanges (server/membership.ts); MemberUpdate is not served. */
export function clusterService(b: EtcdBackend): Impl {
  const impl: Impl = { MemberList: unary(() => b.memberList()) };
  if (b.memberAdd !== undefined) impl['MemberAdd'] = unary((req: Parameters<NonNullable<EtcdBackend['memberAdd']>>[0]) => b.memberAdd!(req));
  if (b.memberRemove !== undefined) impl['MemberRemove'] = unary((req: { ID?: number }) => b.memberRemove!(req));
  if (b.memberPromote !== undefined) impl['MemberPromote'] = unary((req: { ID?: number }) => b.memberPromote!(req));
  return impl;
}

export function maintenanceService(b: EtcdBackend): Impl {
  const headerOnly = unary(() => Promise.resolve({ header: b.header() }));
  return {
    Status: unary(() => b.status()),
    // No alarm is ever raised: kvstore has no space quota and no corruption check yet.
    Alarm: unary(() => Promise.resolve({ header: b.header(), alarms: [] })),
    // Nothing to defragment: state lives in memory, the WAL and snapshot files are append-only.
    Defragment: headerOnly,
  };
}

/** Authentication is not supported: answers are those of an etcd with auth disabled. */
export function authService(b: EtcdBackend): Impl {
  const notEnabled = unary(() => Promise.reject(serverErrors.authNotEnabled()));
  return {
    AuthStatus: unary(() => Promise.resolve({ header: b.header(), enabled: false, authRevision: 0 })),
    Authenticate: notEnabled,
    AuthDisable: unary(() => Promise.resolve({ header: b.header() })),
  };
}
