import { TestNetwork } from './test-network';

describe('leader election (§5.2)', () => {
  it('elects exactly one leader in a 3-node cluster and followers learn it', () => {
    const net = new TestNetwork([1, 2, 3]);
    net.elect(1);
    expect(net.leaders()).toEqual([1]);
    for (const id of [2, 3]) {
      const st = net.node(id).status();
      expect(st.softState).toEqual({ lead: 1, raftState: 'Follower' });
      expect(st.hardState.term).toBe(2);
    }
    // The leader's votes are durable: every voter persisted its vote for 1 in term 2.
    for (const id of [1, 2, 3]) {
      expect(net.peer(id).storage.initialState().hardState).toMatchObject({ term: 2, vote: 1 });
    }
  });

  it('elects a leader from ticks alone, with randomized timeouts', () => {
    const net = new TestNetwork([1, 2, 3]);
    net.stabilize();
    net.tickAll(40);
    expect(net.leaders()).toHaveLength(1);
  });
});

describe('log replication (§5.3)', () => {
  it('replicates and commits proposals on every node, including forwarded ones', () => {
    const net = new TestNetwork([1, 2, 3]);
    net.elect(1);
    expect(net.propose(1, 'a')).toBeNull();
    expect(net.propose(2, 'b')).toBeNull();
    net.stabilize();
    for (const id of [1, 2, 3]) expect(net.peer(id).applied).toEqual(['a', 'b']);
    const st = net.node(1).status();
    expect(st.hardState.commit).toBe(6); // 3 bootstrap entries, the leader's empty entry, a, b
    expect(st.progress?.get(2)).toMatchObject({ match: 6, state: 'Replicate' });
  });
});
