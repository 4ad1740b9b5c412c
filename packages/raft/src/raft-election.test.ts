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
    // Votes are durable: every voter persisted its vote for 1 in term 2 before answering.
    for (const id of [1, 2, 3]) {
      expect(net.peer(id).storage.initialState().hardState).toMatchObject({ term: 2, vote: 1 });
    }
  });

  it('elects a single leader from ticks alone, with randomized timeouts', () => {
    for (const seed of [1, 2, 3, 4, 5]) {
      const net = new TestNetwork([1, 2, 3], {}, seed);
      net.stabilize();
      net.tickAll(40);
      expect(net.leaders()).toHaveLength(1);
      const leader = net.leaders()[0] as number;
      // Everyone agrees on the leader and the term.
      for (const id of [1, 2, 3]) {
        expect(net.node(id).status().softState.lead).toBe(leader);
        expect(net.term(id)).toBe(net.term(leader));
      }
    }
  });

  it('grants at most one vote per term', () => {
    const net = new TestNetwork([1, 2, 3]);
    net.stabilize();
    // 1 and 2 campaign in the same term; 3 sees 1's request first.
    net.node(1).campaign();
    net.node(2).campaign();
    net.handleReady(1);
    net.handleReady(2);
    net.deliver((m) => m.to === 3 && m.from === 1);
    net.deliver((m) => m.to === 3 && m.from === 2);
    net.handleReady(3);
    const answers = net.peer(3).sent.filter((m) => m.type === 'MsgVoteResp');
    expect(answers.map((m) => [m.to, m.reject])).toEqual([
      [1, false],
      [2, true],
    ]);
    net.stabilize();
    expect(net.leaders()).toEqual([1]);
  });
});

describe('election restriction (§5.4.1)', () => {
  it('refuses to vote for a candidate whose log is less up-to-date', () => {
    const net = new TestNetwork([1, 2, 3]);
    net.elect(1);
    net.isolate(3);
    net.propose(1, 'x');
    net.stabilize();
    net.heal();
    const term = net.term(1);
    // 3 lacks 'x' (committed on 1 and 2): neither may vote for it.
    net.node(3).campaign();
    net.stabilize();
    const answers = [1, 2].flatMap((id) => net.peer(id).sent.filter((m) => m.type === 'MsgVoteResp' && m.to === 3));
    expect(answers).toHaveLength(2);
    expect(answers.every((m) => m.reject)).toBe(true);
    expect(net.node(3).status().softState.raftState).not.toBe('Leader');
    // The higher term still deposed 1 (no pre-vote/check-quorum here), but only an
    // up-to-date node can win the next election.
    expect(net.term(1)).toBe(term + 1);
    net.tickAll(40);
    expect(net.leaders()).toHaveLength(1);
    expect(net.leaders()[0]).not.toBe(3);
    expect(net.peer(3).applied).toEqual(['x']);
  });
});

describe('pre-vote (§9.6)', () => {
  function partitionAndRejoin(preVote: boolean): { net: TestNetwork; termBefore: number } {
    const net = new TestNetwork([1, 2, 3], { preVote });
    net.elect(1);
    const termBefore = net.term(1);
    net.isolate(3);
    // 3 times out over and over while cut off.
    net.tickAll(60);
    net.heal();
    net.tickAll(30);
    return { net, termBefore };
  }

  it('keeps a partitioned node from inflating its term and disrupting the leader on rejoin', () => {
    const { net, termBefore } = partitionAndRejoin(true);
    expect(net.leaders()).toEqual([1]);
    for (const id of [1, 2, 3]) expect(net.term(id)).toBe(termBefore);
    expect(net.node(3).status().softState).toEqual({ lead: 1, raftState: 'Follower' });
  });

  it('(control) without pre-vote the rejoining node forces a new term', () => {
    const { net, termBefore } = partitionAndRejoin(false);
    expect(net.term(1)).toBeGreaterThan(termBefore + 1);
  });

  it('a pre-candidate that wins the pre-vote campaigns for real in the next term', () => {
    const net = new TestNetwork([1, 2, 3], { preVote: true });
    net.stabilize();
    net.node(1).campaign();
    net.handleReady(1);
    // Pre-vote: term and vote unchanged, MsgPreVote for the next term.
    expect(net.node(1).status().softState.raftState).toBe('PreCandidate');
    expect(net.term(1)).toBe(1);
    expect(net.queue.map((m) => [m.type, m.term])).toEqual([
      ['MsgPreVote', 2],
      ['MsgPreVote', 2],
    ]);
    net.stabilize();
    expect(net.leaders()).toEqual([1]);
    expect(net.term(1)).toBe(2);
  });
});

describe('check-quorum', () => {
  it('a leader that does not hear from a quorum for an election timeout steps down', () => {
    const net = new TestNetwork([1, 2, 3], { checkQuorum: true });
    net.elect(1);
    net.tickAll(25);
    expect(net.leaders()).toEqual([1]);
    net.isolate(1);
    net.tick(1, 21);
    net.handleReady(1);
    expect(net.node(1).status().softState.raftState).toBe('Follower');
  });

  it('followers in touch with a leader ignore vote requests (leader lease)', () => {
    const net = new TestNetwork([1, 2, 3], { checkQuorum: true });
    net.elect(1);
    const term = net.term(1);
    net.node(3).campaign();
    net.stabilize();
    expect(net.leaders()).toEqual([1]);
    expect(net.term(1)).toBe(term);
    expect(net.term(2)).toBe(term);
    // Nobody answered 3's request.
    expect(net.peer(1).sent.concat(net.peer(2).sent).filter((m) => m.type === 'MsgVoteResp' && m.to === 3)).toEqual([]);
  });
});
