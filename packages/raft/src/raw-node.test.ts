import { SeededRng } from '@kubemu/base';
import { ProposalDroppedError, StepRejectedError } from './errors';
import { RawNode } from './raw-node';
import { MemoryStorage } from './storage';
import { TestNetwork } from './test-network';
import { message } from './types';

function single(maxCommittedSizePerReady?: number): { node: RawNode; storage: MemoryStorage } {
  const storage = new MemoryStorage();
  const node = new RawNode({ id: 1, electionTick: 10, heartbeatTick: 1, storage, rng: new SeededRng(3), maxCommittedSizePerReady });
  return { node, storage };
}

describe('RawNode and Ready', () => {
  it('bootstrap entries come out as entries to persist and as committed entries', () => {
    const { node } = single();
    node.bootstrap([1, 2, 3]);
    const rd = node.ready();
    expect(rd.entries.map((e) => [e.index, e.term, e.type])).toEqual([
      [1, 1, 'ConfChange'],
      [2, 1, 'ConfChange'],
      [3, 1, 'ConfChange'],
    ]);
    expect(rd.committedEntries.map((e) => e.index)).toEqual([1, 2, 3]);
    expect(rd.hardState).toEqual({ term: 1, vote: 0, commit: 3 });
    expect(rd.mustSync).toBe(true);
    expect(node.status().confState).toEqual({ voters: [1, 2, 3], learners: [] });
  });

  it('carries hardState and softState only when they changed, and syncs only when needed', () => {
    const { node, storage } = single();
    node.bootstrap([1]);
    let rd = node.ready();
    storage.append(rd.entries);
    node.advance(rd);
    expect(node.hasReady()).toBe(false);
    node.campaign(); // single voter: leader at once
    rd = node.ready();
    expect(rd.softState).toEqual({ lead: 1, raftState: 'Leader' });
    expect(rd.hardState).toMatchObject({ term: 2, vote: 1 });
    expect(rd.mustSync).toBe(true);
    storage.append(rd.entries);
    // advance() says the empty entry of term 2 is durable: the lone voter commits it now.
    node.advance(rd);
    node.propose(new TextEncoder().encode('x'));
    rd = node.ready();
    expect(rd.softState).toBeUndefined();
    expect(rd.hardState).toEqual({ term: 2, vote: 1, commit: 2 });
    expect(rd.entries).toHaveLength(1);
    // A leader never commits its own entry before it is durable (§10.2.1), even alone: 'x'
    // is to be persisted here and comes out as committed only after this Ready's advance.
    expect(rd.committedEntries.map((e) => e.index)).toEqual([2]);
    expect(rd.mustSync).toBe(true);
    storage.append(rd.entries);
    node.advance(rd);
    rd = node.ready();
    expect(rd.hardState).toEqual({ term: 2, vote: 1, commit: 3 });
    expect(rd.entries).toHaveLength(0);
    expect(rd.committedEntries.map((e) => e.index)).toEqual([3]);
    // Only the commit index changed: no fsync needed.
    expect(rd.mustSync).toBe(false);
    node.advance(rd);
    expect(node.hasReady()).toBe(false);
    expect(node.status().applied).toBe(3);
  });

  it('a follower learning only a new commit index needs no fsync', () => {
    const net = new TestNetwork([1, 2, 3]);
    net.elect(1);
    net.propose(1, 'a');
    net.handleReady(1);
    net.deliver((m) => m.to === 2); // the entry reaches 2
    let rd = net.node(2).ready();
    expect(rd.entries).toHaveLength(1);
    expect(rd.hardState).toBeUndefined();
    expect(rd.mustSync).toBe(true);
    net.peer(2).storage.append(rd.entries);
    net.queue.push(...rd.messages);
    net.node(2).advance(rd);
    net.deliver((m) => m.to === 1); // the ack commits 'a' on 1, which tells 2
    net.handleReady(1);
    net.deliver((m) => m.to === 2);
    rd = net.node(2).ready();
    expect(rd.entries).toEqual([]);
    expect(rd.hardState?.commit).toBe(5);
    expect(rd.mustSync).toBe(false);
    expect(rd.committedEntries.map((e) => e.index)).toEqual([5]);
  });

  it('does not hand out the same output twice between ready() and advance()', () => {
    const net = new TestNetwork([1, 2, 3]);
    net.elect(1);
    net.propose(1, 'a');
    const rd = net.node(1).ready();
    expect(rd.entries).toHaveLength(1);
    expect(rd.messages.length).toBeGreaterThan(0);
    expect(net.node(1).hasReady()).toBe(false);
    net.peer(1).storage.append(rd.entries);
    net.node(1).advance(rd);
  });

  it('limits committed entries per Ready to maxCommittedSizePerReady', () => {
    const { node, storage } = single(1);
    node.bootstrap([1, 2]);
    const rd = node.ready();
    expect(rd.committedEntries).toHaveLength(1);
    storage.append(rd.entries);
    node.advance(rd);
    expect(node.ready().committedEntries.map((e) => e.index)).toEqual([2]);
  });

  it('rejects local messages from the network and responses from unknown peers', () => {
    const net = new TestNetwork([1, 2, 3]);
    net.elect(1);
    expect(net.node(1).step(message({ type: 'MsgHup', from: 2, to: 1 }))).toBeInstanceOf(StepRejectedError);
    const term = net.term(1);
    const before = net.node(1).status();
    const resp = net.node(1).step(message({ type: 'MsgAppResp', from: 9, to: 1, term, index: 100 }));
    expect(resp).toBeInstanceOf(StepRejectedError);
    expect(net.node(1).status().progress?.has(9)).toBe(false);
    expect(net.node(1).status().hardState).toEqual(before.hardState);
  });

  it('drops proposals without a leader', () => {
    const net = new TestNetwork([1, 2, 3]);
    net.stabilize();
    expect(net.propose(2, 'x')).toBeInstanceOf(ProposalDroppedError);
  });

  it('drops forwarded proposals when forwarding is disabled', () => {
    const net = new TestNetwork([1, 2, 3], { disableProposalForwarding: true });
    net.elect(1);
    expect(net.propose(2, 'x')).toBeInstanceOf(ProposalDroppedError);
    expect(net.propose(1, 'y')).toBeNull();
  });

  it('restarts from storage with its term, vote and commit', () => {
    const net = new TestNetwork([1, 2, 3]);
    net.elect(1);
    net.propose(1, 'a');
    net.stabilize();
    const before = net.node(2).status().hardState;
    const p = net.restart(2);
    expect(p.node.status().hardState).toEqual(before);
    net.stabilize();
    expect(p.applied).toEqual(['a']);
    expect(p.node.status().softState.raftState).toBe('Follower');
  });
});
