/**
 * Calls a follower forwards to the leader over the peer connection. Lease keepalives and
 * remaining TTLs live only in the leader's lessor (etcd forwards them too, over its peer HTTP
 * handler); writes need no forwarding because Raft forwards proposals (MsgProp) itself, and the
 * proposer is answered when the entry is applied locally.
 */
import { EtcdError, ErrNoLeader } from '../mvcc';
import type { GrpcCode } from '../mvcc';
import { RemoteError } from '../peer/peer-link';
import type { PeerChannel } from '../peer/peer-transport';

export const LEASE_KEEPALIVE = 'lease.keepAlive';
export const LEASE_TIME_TO_LIVE = 'lease.timeToLive';
export const MEMBER_ADD = 'member.add';
export const MEMBER_REMOVE = 'member.remove';
export const MEMBER_PROMOTE = 'member.promote';
/** Not forwarded to the leader: a member tells a member it removed that it was removed. */
export const MEMBER_REMOVED = 'member.removed';

/**
 * The leader's answer, or its error as the same etcd error (code and text survive the hop);
 * a link that is down or silent becomes "no leader", which clients retry.
 */
export async function forwardToLeader<R>(peers: PeerChannel, leader: number, method: string, body: unknown, timeoutMs: number): Promise<R> {
  try {
    return (await peers.request(leader, method, body, timeoutMs)) as R;
  } catch (err) {
    if (err instanceof RemoteError) throw new EtcdError(err.wire.code, err.wire.grpcCode as GrpcCode, err.wire.message);
    throw new ErrNoLeader({ cause: err });
  }
}
