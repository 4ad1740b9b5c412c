import { ConfigError } from './errors';
import { RawNode } from './raw-node';
import { MemoryStorage } from './storage';
import { SeededRng } from '@kubemu/base';
import { TestNetwork } from './test-network';
import type { ReadState } from './types';

const ctx = (s: string): Uint8Array => new TextEncoder().encode(s);
const reads = (rs: ReadState[]): [number, string][] => rs.map((r) => [r.index, new TextDecoder().decode(r.requestCtx)]);

describe('ReadIndex (§6.4)', () => {
  it('Safe: the leader answers only after a quorum confirms its leadership', () => {
    const net = new TestNetwork([1, 2, 3]);
    net.elect(1);
    net.propose(1, 'a');
    net.stabilize();
    const commit = net.node(1).status().hardState.commit;
    net.isolate(2);
    net.isolate(3);
    net.node(1).readIndex(ctx('r1'));
    net.stabilize();
    expect(net.peer(1).readStates).toEqual([]);
    // The request context rides on the heartbeat round; a quorum of acks releases it.
    net.heal();
    net.tick(1);
    net.stabilize();
    expect(reads(net.peer(1).readStates)).toEqual([[commit, 'r1']]);
  });

  it('Safe: a follower gets the read index from the leader', () => {
    const net = new TestNetwork([1, 2, 3]);
    net.elect(1);
    net.propose(1, 'a');
    net.stabilize();
    net.node(2).readIndex(ctx('r2'));
    net.stabilize();
    const commit = net.node(1).status().hardState.commit;
    expect(reads(net.peer(2).readStates)).toEqual([[commit, 'r2']]);
    expect(net.peer(1).readStates).toEqual([]);
    expect(net.peer(1).sent.some((m) => m.type === 'MsgReadIndexResp' && m.to === 2)).toBe(true);
  });

  it('a new leader holds reads until it has committed an entry of its term', () => {
    const net = new TestNetwork([1, 2, 3]);
    net.stabilize();
    // Votes go through, but the new leader's empty entry is lost for now.
    net.intercept = (m) => (m.type === 'MsgApp' ? null : m);
    net.node(1).campaign();
    net.stabilize();
    expect(net.leaders()).toEqual([1]);
    net.node(1).readIndex(ctx('early'));
    net.tick(1);
    net.stabilize();
    expect(net.peer(1).readStates).toEqual([]);
    net.intercept = undefined;
    net.tick(1);
    net.stabilize();
    // Answered with the commit index that includes the new term's entry.
    expect(reads(net.peer(1).readStates)).toEqual([[4, 'early']]);
  });

  it('LeaseBased: the leader answers at once, without a heartbeat round', () => {
    const net = new TestNetwork([1, 2, 3], { checkQuorum: true, readOnlyOption: 'LeaseBased' });
    net.elect(1);
    net.isolate(2);
    net.isolate(3);
    net.node(1).readIndex(ctx('lease'));
    net.handleReady(1);
    expect(reads(net.peer(1).readStates)).toEqual([[4, 'lease']]);
    expect(net.peer(1).sent.filter((m) => m.type === 'MsgHeartbeat' && m.context !== undefined)).toEqual([]);
  });

  it('LeaseBased requires checkQuorum', () => {
    const make = (): RawNode =>
      new RawNode({ id: 1, electionTick: 10, heartbeatTick: 1, storage: new MemoryStorage(), rng: new SeededRng(1), readOnlyOption: 'LeaseBased' });
    expect(make).toThrow(ConfigError);
  });
});
