import { ErrLeaseExist, ErrLeaseNotFound, ErrLeaseTTLTooLarge, GrpcCode } from './errors';
import { generateLeaseId, minLeaseTtlSeconds } from './lessor';
import { MvccStore } from './store';
import { b, keys, put } from './test-helpers';

describe('leases', () => {
  it('grants with the minimum TTL, refuses duplicates and huge TTLs', () => {
    const s = new MvccStore();
    expect(minLeaseTtlSeconds(1000)).toBe(2);
    expect(s.apply({ leaseGrant: { ID: 1, TTL: 1 } }, { now: 0 }).leaseGrant).toMatchObject({ ID: 1, TTL: 2, error: '' });
    expect(() => s.leaseGrant({ ID: 1, TTL: 10 }, 0)).toThrow(ErrLeaseExist);
    expect(() => s.leaseGrant({ ID: 2, TTL: 9_000_000_001 }, 0)).toThrow(ErrLeaseTTLTooLarge);
    // ID 0 gets a deterministic ID from the replicated state.
    expect(s.leaseGrant({ TTL: 10 }, 0).ID).toBe(2);
    expect(s.leaseLeases().leases).toEqual([{ ID: 1 }, { ID: 2 }]);
    const id = generateLeaseId({ next: () => 0.5 });
    expect(id).toBeGreaterThan(0);
    expect(Number.isSafeInteger(id)).toBe(true);
  });

  it('revoke deletes every attached key in one revision', () => {
    const s = new MvccStore();
    s.leaseGrant({ ID: 7, TTL: 30 }, 0);
    put(s, 'a', '1', 7);
    put(s, 'b', '1', 7);
    put(s, 'c', '1');
    put(s, 'b', '2'); // moves b off the lease
    put(s, 'd', '1', 7);
    expect(s.leaseTimeToLive(7, 0, true).keys.map((k) => k.toString())).toEqual(['a', 'd']);
    const r = s.apply({ leaseRevoke: { ID: 7 } }, { now: 0 });
    expect(r.leaseRevoke!.header.revision).toBe(7);
    expect(keys(s.range({ key: b('a'), rangeEnd: Buffer.from([0]) }).kvs)).toEqual(['b', 'c']);
    expect(() => s.leaseTimeToLive(7, 0)).toThrow(ErrLeaseNotFound);
    expect(() => s.leaseRevoke({ ID: 7 })).toThrow(ErrLeaseNotFound);
    try {
      s.leaseRevoke({ ID: 7 });
    } catch (err) {
      expect((err as ErrLeaseNotFound).grpcCode).toBe(GrpcCode.NOT_FOUND);
      expect((err as Error).message).toBe('etcdserver: requested lease not found');
    }
  });

  it('expires only on the leader; keepalive renews; promote extends every remaining TTL', () => {
    const s = new MvccStore();
    s.leaseGrant({ ID: 1, TTL: 10 }, 0);
    expect(s.expiredLeases(1e9)).toEqual([]); // a follower never expires anything
    s.promote(1000, 500);
    expect(s.leaseTimeToLive(1, 1000)).toMatchObject({ TTL: 10, grantedTTL: 10 });
    s.leaseGrant({ ID: 2, TTL: 5 }, 1000);
    expect(s.expiredLeases(6000)).toEqual([2]);
    expect(s.expiredLeases(11_499)).toEqual([2]);
    expect(s.expiredLeases(11_500)).toEqual([1, 2]);
    expect(s.leaseKeepAlive(1, 9000)).toBe(10);
    expect(s.leaseTimeToLive(1, 9000).TTL).toBe(10);
    expect(s.leaseTimeToLive(1, 9001).TTL).toBe(9);
    expect(s.expiredLeases(18_999)).toEqual([2]);
    // Leader change: the new leader re-arms every lease rather than expiring it at once.
    s.demote();
    expect(s.expiredLeases(100_000)).toEqual([]);
    s.promote(100_000, 2000);
    expect(s.expiredLeases(106_999)).toEqual([]);
    expect(s.expiredLeases(107_000)).toEqual([2]);
  });

  it('checkpoints the remaining TTL so a new leader resumes from it', () => {
    const s = new MvccStore();
    s.leaseGrant({ ID: 3, TTL: 60 }, 0);
    s.apply({ leaseCheckpoint: { checkpoints: [{ ID: 3, remainingTTL: 20 }, { ID: 99, remainingTTL: 1 }] } }, { now: 0 });
    s.promote(0, 0);
    expect(s.expiredLeases(19_999)).toEqual([]);
    expect(s.expiredLeases(20_000)).toEqual([3]);
  });

  it('attaching to an unknown lease fails', () => {
    const s = new MvccStore();
    expect(() => s.apply({ put: { key: b('a'), value: b('1'), lease: 4 } }, { now: 0 })).toThrow(ErrLeaseNotFound);
  });
});
