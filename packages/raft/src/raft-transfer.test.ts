import { ProposalDroppedError } from './errors';
import { TestNetwork } from './test-network';

describe('leadership transfer (thesis §3.10)', () => {
  it('hands leadership to an up-to-date follower', () => {
    const net = new TestNetwork([1, 2, 3]);
    net.elect(1);
    const term = net.term(1);
    net.node(1).transferLeadership(2);
    net.stabilize();
    expect(net.leaders()).toEqual([2]);
    expect(net.term(2)).toBe(term + 1);
    expect(net.peer(1).sent.filter((m) => m.type === 'MsgTimeoutNow').map((m) => m.to)).toEqual([2]);
  });

  it('catches a lagging transferee up before telling it to campaign', () => {
    const net = new TestNetwork([1, 2, 3]);
    net.elect(1);
    net.isolate(3);
    net.propose(1, 'a');
    net.stabilize();
    net.heal();
    // The request may come from the transferee itself; it is forwarded to the leader.
    net.node(3).transferLeadership(3);
    net.handleReady(3);
    net.deliver();
    net.handleReady(1);
    // The leader sends the missing entries first, not MsgTimeoutNow.
    expect(net.queue.filter((m) => m.to === 3).map((m) => m.type)).toEqual(['MsgApp']);
    net.stabilize();
    expect(net.leaders()).toEqual([3]);
    expect(net.peer(3).applied).toEqual(['a']);
  });

  it('works through the check-quorum lease (the vote carries CampaignTransfer)', () => {
    const net = new TestNetwork([1, 2, 3], { checkQuorum: true, preVote: true });
    net.elect(1);
    net.node(1).transferLeadership(3);
    net.stabilize();
    expect(net.leaders()).toEqual([3]);
    const vote = net.peer(3).sent.find((m) => m.type === 'MsgVote');
    expect(new TextDecoder().decode(vote?.context)).toBe('CampaignTransfer');
  });

  it('drops proposals during a transfer and aborts it after an election timeout', () => {
    const net = new TestNetwork([1, 2, 3]);
    net.elect(1);
    net.isolate(3);
    net.node(1).transferLeadership(3);
    expect(net.node(1).status().leadTransferee).toBe(3);
    expect(net.propose(1, 'x')).toBeInstanceOf(ProposalDroppedError);
    net.tick(1, 10);
    net.stabilize();
    expect(net.node(1).status().leadTransferee).toBe(0);
    expect(net.leaders()).toEqual([1]);
    expect(net.propose(1, 'y')).toBeNull();
    net.stabilize();
    expect(net.peer(2).applied).toEqual(['y']);
  });
});
