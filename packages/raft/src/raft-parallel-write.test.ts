import { ReadyOrder } from './ready-order';
import { TestNetwork } from './test-network';
import type { Message, Ready } from './types';
import { message } from './types';

/**
 * Thesis §10.2.1: the leader writes its log in parallel with replicating it. It may send an
 * entry before its own write completes, so its own copy must count toward commitment only once
 * advance() reports the entry durable.
 */
describe('leader writes in parallel with replication (§10.2.1)', () => {
  it('does not count its own copy before advance: one follower ack alone commits nothing in a 3-node group', () => {
    const net = new TestNetwork([1, 2, 3]);
    net.elect(1);
    net.stabilize();
    const before = net.node(1).status().hardState.commit;
    net.propose(1, 'a');
    // The leader's Ready: its MsgApp goes out at once, its write is still in flight.
    const rd = net.node(1).ready();
    const index = rd.entries[0]?.index ?? 0;
    expect(index).toBe(before + 1);
    net.queue.push(...rd.messages);
    // Follower 2 persists the entry and acks it; 3 hears nothing.
    net.deliver((m) => m.to === 2);
    net.handleReady(2);
    net.deliver((m) => m.to === 1 && m.from === 2);
    const st = net.node(1).status();
    expect(st.progress?.get(2)?.match).toBe(index);
    expect(st.progress?.get(1)?.match).toBe(before);
    expect(st.hardState.commit).toBe(before);

    // The leader's write completes: now {1, 2} is a durable majority.
    net.peer(1).storage.append(rd.entries);
    if (rd.hardState) net.peer(1).storage.setHardState(rd.hardState);
    net.node(1).advance(rd);
    expect(net.node(1).status().hardState.commit).toBe(index);
    // The new commit index is broadcast at once, not at the next heartbeat.
    const next = net.node(1).ready();
    expect(next.committedEntries.map((e) => e.index)).toEqual([index]);
    const commits = next.messages.filter((m) => m.type === 'MsgApp').map((m) => [m.to, m.commit]);
    expect(commits).toEqual(expect.arrayContaining([[2, index], [3, index]]));
  });

  it('a new leader counts only its durable entries as matched', () => {
    const net = new TestNetwork([1, 2, 3]);
    net.elect(1);
    net.stabilize();
    const last = net.node(1).status().hardState.commit;
    net.node(2).campaign();
    // 2's Ready with its vote request goes out; the answers make it leader before its first
    // write of this term (the empty entry) is durable.
    net.handleReady(2);
    net.deliver((m) => m.to !== 2);
    net.handleReady(1);
    net.handleReady(3);
    net.deliver((m) => m.to === 2);
    const st = net.node(2).status();
    expect(st.softState.raftState).toBe('Leader');
    expect(st.progress?.get(2)?.match).toBe(last);
  });
});

describe('ReadyOrder: which messages may precede the persist', () => {
  const rd = (msgs: Message[], extra: Partial<Ready> = {}): Ready => ({
    entries: [],
    committedEntries: [],
    readStates: [],
    messages: msgs,
    mustSync: true,
    ...extra,
  });

  it("sends a leader's replication traffic of its term early and everything else late", () => {
    const order = new ReadyOrder(1, 'Follower', 1);
    const app = message({ type: 'MsgApp', from: 1, to: 2, term: 2 });
    const hb = message({ type: 'MsgHeartbeat', from: 1, to: 3, term: 2 });
    const readResp = message({ type: 'MsgReadIndexResp', from: 1, to: 3, term: 2 });
    const { early, late } = order.split(
      rd([app, hb, readResp], { softState: { lead: 1, raftState: 'Leader' }, hardState: { term: 2, vote: 1, commit: 0 } }),
    );
    expect(early).toEqual([app, hb]);
    expect(late).toEqual([readResp]);
  });

  it("sends requests forwarded for a client early from any node: they vouch for nothing of the node's state", () => {
    const order = new ReadyOrder(2, 'Follower', 2);
    const prop = message({ type: 'MsgProp', from: 2, to: 1, entries: [{ index: 0, term: 0, type: 'Normal', data: new Uint8Array([1]) }] });
    const read = message({ type: 'MsgReadIndex', from: 2, to: 1 });
    const ack = message({ type: 'MsgAppResp', from: 2, to: 1, term: 2, index: 7 });
    const { early, late } = order.split(rd([ack, prop, read], { hardState: { term: 2, vote: 1, commit: 5 } }));
    expect(early).toEqual([prop, read]);
    expect(late).toEqual([ack]);
  });

  it('holds back votes, acknowledgements and anything from a non-leader or an older term', () => {
    const order = new ReadyOrder(1, 'Leader', 2);
    const stale = message({ type: 'MsgApp', from: 1, to: 2, term: 1 });
    const ack = message({ type: 'MsgAppResp', from: 1, to: 2, term: 2 });
    expect(order.split(rd([stale, ack])).early).toEqual([]);
    // Stepped down and voted in term 3: the vote must be durable first.
    const vote = message({ type: 'MsgVoteResp', from: 1, to: 3, term: 3 });
    const split = order.split(rd([vote], { softState: { lead: 0, raftState: 'Follower' }, hardState: { term: 3, vote: 3, commit: 0 } }));
    expect(split.early).toEqual([]);
    expect(split.late).toEqual([vote]);
  });
});
