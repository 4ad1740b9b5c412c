import { ProposalDroppedError } from './errors';
import { TestNetwork } from './test-network';

describe('membership changes (§6, one server at a time)', () => {
  it('adds a learner that receives the log but neither votes nor counts for quorum', () => {
    const net = new TestNetwork([1, 2, 3]);
    net.elect(1);
    net.propose(1, 'a');
    net.stabilize();
    const p4 = net.addPeer(4); // joins empty, never bootstraps
    expect(net.node(1).proposeConfChange({ type: 'AddLearnerNode', nodeId: 4 })).toBeNull();
    net.stabilize();
    net.propose(1, 'b');
    net.stabilize();
    expect(p4.applied).toEqual(['a', 'b']);
    expect(p4.confState).toEqual({ voters: [1, 2, 3], learners: [4] });
    expect(net.node(1).status().confState).toEqual({ voters: [1, 2, 3], learners: [4] });
    expect(net.node(1).status().progress?.get(4)?.isLearner).toBe(true);

    // A learner never campaigns and its proposals are dropped.
    net.node(4).campaign();
    net.tick(4, 50);
    net.stabilize();
    expect(net.leaders()).toEqual([1]);
    expect(net.node(4).status().softState.raftState).toBe('Follower');
    expect(net.propose(4, 'nope')).toBeInstanceOf(ProposalDroppedError);

    // Leader + learner are not a majority of {1, 2, 3}.
    net.isolate(2);
    net.isolate(3);
    net.propose(1, 'c');
    net.stabilize();
    expect(net.peer(1).applied).toEqual(['a', 'b']);
    expect(p4.applied).toEqual(['a', 'b']);
  });

  it('AddNode on a learner promotes it to a voter that can then be elected', () => {
    const net = new TestNetwork([1, 2, 3]);
    net.elect(1);
    net.addPeer(4);
    net.node(1).proposeConfChange({ type: 'AddLearnerNode', nodeId: 4 });
    net.stabilize();
    expect(net.node(1).proposeConfChange({ type: 'AddNode', nodeId: 4 })).toBeNull();
    net.stabilize();
    expect(net.node(4).status().confState).toEqual({ voters: [1, 2, 3, 4], learners: [] });
    expect(net.node(1).status().progress?.get(4)).toMatchObject({ isLearner: false, state: 'Replicate' });
    net.node(4).campaign();
    net.stabilize();
    expect(net.leaders()).toEqual([4]);
  });

  it('refuses a second conf change while one is pending (dropped, not turned into an entry)', () => {
    const net = new TestNetwork([1, 2, 3]);
    net.elect(1);
    expect(net.node(1).proposeConfChange({ type: 'AddLearnerNode', nodeId: 4 })).toBeNull();
    const second = net.node(1).proposeConfChange({ type: 'AddLearnerNode', nodeId: 5 });
    expect(second).toBeInstanceOf(ProposalDroppedError);
    net.stabilize();
    expect(net.node(1).status().confState.learners).toEqual([4]);
    // Applied now: the next change is accepted.
    expect(net.node(1).proposeConfChange({ type: 'AddLearnerNode', nodeId: 5 })).toBeNull();
    net.stabilize();
    expect(net.node(1).status().confState.learners).toEqual([4, 5]);
  });

  it('removing a node shrinks the quorum and lets pending entries commit', () => {
    const net = new TestNetwork([1, 2]);
    net.elect(1);
    net.node(1).proposeConfChange({ type: 'RemoveNode', nodeId: 2 });
    // Replicate and commit the removal, but do not apply it on 1 yet.
    net.handleReady(1);
    net.deliver();
    net.handleReady(2);
    net.deliver();
    net.isolate(2);
    // 'p' needs 2's ack under {1, 2}: it cannot commit by itself.
    net.propose(1, 'p');
    net.stabilize();
    expect(net.node(1).status().confState.voters).toEqual([1]);
    expect(net.peer(1).applied).toEqual(['p']);
  });

  it('a removed leader steps down and the rest elect a new one', () => {
    const net = new TestNetwork([1, 2, 3]);
    net.elect(1);
    net.node(1).proposeConfChange({ type: 'RemoveNode', nodeId: 1 });
    net.stabilize();
    expect(net.node(1).status().softState.raftState).toBe('Follower');
    expect(net.node(2).status().confState.voters).toEqual([2, 3]);
    net.tickAll(40);
    expect(net.leaders()).toHaveLength(1);
    const leader = net.leaders()[0] as number;
    expect([2, 3]).toContain(leader);
    // The removed node never campaigns again.
    net.tick(1, 50);
    net.stabilize();
    expect(net.leaders()).toEqual([leader]);
    net.propose(leader, 'after');
    net.stabilize();
    expect(net.peer(2).applied).toEqual(['after']);
    expect(net.peer(1).applied).toEqual([]);
  });
});
