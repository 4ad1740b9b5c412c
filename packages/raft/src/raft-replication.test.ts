import { TestNetwork } from './test-network';
import type { Message } from './types';

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

  it('commits with a majority and catches a slow follower up later', () => {
    const net = new TestNetwork([1, 2, 3]);
    net.elect(1);
    net.isolate(3);
    net.propose(1, 'a');
    net.stabilize();
    expect(net.peer(1).applied).toEqual(['a']);
    expect(net.peer(3).applied).toEqual([]);
    net.heal();
    net.tickAll(2);
    expect(net.peer(3).applied).toEqual(['a']);
  });

  it('does not commit without a majority', () => {
    const net = new TestNetwork([1, 2, 3]);
    net.elect(1);
    net.isolate(1);
    net.propose(1, 'a');
    net.stabilize();
    expect(net.peer(1).applied).toEqual([]);
  });

  it('batches entries up to maxSizePerMsg and limits inflight MsgApp per follower', () => {
    const net = new TestNetwork([1, 2, 3], { maxInflightMsgs: 2, maxSizePerMsg: 1 });
    net.elect(1);
    for (const d of ['a', 'b', 'c', 'd', 'e']) {
      net.propose(1, d);
      net.handleReady(1);
    }
    // Replicate state pipelines without waiting for acks, but only two messages at a time.
    const toTwo = net.queue.filter((m) => m.to === 2 && m.type === 'MsgApp');
    expect(toTwo).toHaveLength(2);
    expect(toTwo.every((m) => m.entries.length === 1)).toBe(true);
    expect(net.node(1).status().progress?.get(2)?.inflights).toBe(2);
    net.stabilize();
    for (const id of [1, 2, 3]) expect(net.peer(id).applied).toEqual(['a', 'b', 'c', 'd', 'e']);

    // With a big message size everything pending goes in one MsgApp.
    const big = new TestNetwork([1, 2, 3]);
    big.elect(1);
    big.isolate(2);
    for (const d of ['a', 'b', 'c', 'd']) big.propose(1, d);
    big.stabilize();
    big.heal();
    big.tick(1);
    big.stabilize();
    const apps = big.peer(1).sent.filter((m) => m.to === 2 && m.type === 'MsgApp' && m.entries.length > 0);
    expect(apps[apps.length - 1]?.entries.map((e) => new TextDecoder().decode(e.data))).toEqual(['a', 'b', 'c', 'd']);
  });

  it('heartbeats carry min(match, commit)', () => {
    const net = new TestNetwork([1, 2, 3]);
    net.elect(1);
    const match3 = net.node(1).status().progress?.get(3)?.match;
    net.isolate(3);
    net.propose(1, 'a');
    net.stabilize();
    net.tick(1);
    net.handleReady(1);
    const hb = net.queue.filter((m) => m.type === 'MsgHeartbeat');
    expect(hb.find((m) => m.to === 2)?.commit).toBe(net.node(1).status().hardState.commit);
    expect(hb.find((m) => m.to === 3)?.commit).toBe(match3);
    expect(match3).toBeLessThan(net.node(1).status().hardState.commit);
  });
});

/**
 * Figure 8 of the Raft paper, on five nodes. Indexes: 1-5 bootstrap, 6 = leader 1's empty entry
 * of term 2, 7 = 'x' (term 2) on 1 and 2 only.
 */
describe('commitment rule (§5.4.2, Figure 8)', () => {
  function figure8(): TestNetwork {
    const net = new TestNetwork([1, 2, 3, 4, 5], { maxSizePerMsg: 1 });
    net.elect(1); // term 2
    for (const id of [3, 4, 5]) net.isolate(id);
    net.propose(1, 'x'); // (a) index 7, term 2, reaches 2 only
    net.stabilize();
    // (b) 5 wins term 3 with votes from 3 and 4, appends its empty entry at 7, and crashes.
    net.heal();
    net.isolate(1);
    net.isolate(2);
    net.intercept = (m) => (m.from === 5 && m.type === 'MsgApp' ? null : m);
    net.node(5).campaign();
    net.stabilize();
    expect(net.leaders()).toEqual([1, 5]);
    expect(net.peer(5).storage.term(7)).toBe(3);
    net.heal();
    net.isolate(5);
    net.intercept = undefined;
    // (c) 1 crashes and restarts, and is elected in term 4 (3 and 4 already voted in term 3,
    // so it takes two tries).
    net.restart(1);
    net.stabilize();
    net.node(1).campaign();
    net.stabilize();
    net.node(1).campaign();
    // Term-4 entries are lost on the way; 'x' (term 2) reaches 3 and 4: a majority holds it.
    net.intercept = (m) => (m.type === 'MsgApp' ? { ...m, entries: m.entries.filter((e) => e.term !== 4) } : m);
    net.stabilize();
    expect(net.leaders()).toEqual([1, 5]);
    expect(net.term(1)).toBe(4);
    return net;
  }

  it('a leader does not commit an entry of an earlier term by counting replicas', () => {
    const net = figure8();
    const progress = net.node(1).status().progress;
    for (const id of [2, 3, 4]) expect(progress?.get(id)?.match).toBe(7);
    expect(net.node(1).status().hardState.commit).toBe(6);
    for (const id of [1, 2, 3, 4]) expect(net.peer(id).applied).toEqual([]);
  });

  it('(d) the uncommitted entry may indeed be overwritten by a newer leader', () => {
    const net = figure8();
    net.intercept = undefined;
    net.heal();
    net.isolate(1);
    // 5 restarts; its last entry (term 3) is more up-to-date than 'x' (term 2) on 2, 3 and 4.
    net.restart(5);
    net.stabilize();
    net.node(5).campaign();
    net.stabilize();
    net.node(5).campaign();
    net.stabilize();
    expect(net.node(5).status().softState.raftState).toBe('Leader');
    for (const id of [2, 3, 4]) expect(net.peer(id).storage.term(7)).toBe(3);
  });

  it('the earlier-term entry commits indirectly once an entry of the current term commits', () => {
    const net = figure8();
    net.intercept = undefined;
    net.tick(1);
    net.stabilize();
    expect(net.node(1).status().hardState.commit).toBe(8);
    for (const id of [1, 2, 3, 4]) expect(net.peer(id).applied).toEqual(['x']);
  });
});

describe('follower log repair with fast backtracking (§5.3)', () => {
  it('skips a whole divergent term in one round trip', () => {
    const net = new TestNetwork([1, 2, 3]);
    net.elect(1); // term 2, index 4
    net.isolate(1);
    for (let i = 0; i < 20; i++) net.propose(1, `stale${i}`); // 5..24, term 2, only on 1
    net.stabilize();
    net.elect(2); // term 3
    for (let i = 0; i < 20; i++) net.propose(2, `new${i}`);
    net.stabilize();
    net.elect(3); // term 4: its probe for 1 starts past 1's last index
    net.heal();
    const rejections = (): Message[] => net.peer(1).sent.filter((m) => m.type === 'MsgAppResp' && m.reject);
    net.tick(3);
    net.stabilize();
    // One rejection instead of one per divergent entry.
    expect(rejections()).toHaveLength(1);
    const r = rejections()[0] as Message;
    expect(r.rejectHint).toBe(24);
    expect(r.logTerm).toBe(2);
    const news = Array.from({ length: 20 }, (_, i) => `new${i}`);
    expect(net.peer(1).applied).toEqual(news);
    const s1 = net.peer(1).storage;
    const s3 = net.peer(3).storage;
    expect(s1.lastIndex()).toBe(s3.lastIndex());
    expect(s1.entries(1, s1.lastIndex() + 1, Infinity)).toEqual(s3.entries(1, s3.lastIndex() + 1, Infinity));
  });
});
