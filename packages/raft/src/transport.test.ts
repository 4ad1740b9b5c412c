import { ManualClock } from '@kubemu/base';
import type { Message } from './types';
import { message } from './types';
import { InMemoryNetwork } from './transport';
import { MessageDecodeError, decodeMessage, encodeMessage } from './transport-codec';

const bytes = (s: string): Uint8Array => new TextEncoder().encode(s);
const tick = (): Promise<void> => new Promise((r) => setImmediate(r));

describe('message codec', () => {
  const samples: Message[] = [
    message({ type: 'MsgHeartbeat', to: 2, from: 1, term: 3, commit: 7, context: bytes('read-1') }),
    message({ type: 'MsgAppResp', to: 1, from: 3, term: 9, index: 41, reject: true, rejectHint: 38, logTerm: 8 }),
    message({
      type: 'MsgApp',
      to: 3,
      from: 1,
      term: 2 ** 40,
      logTerm: 5,
      index: 10,
      commit: 9,
      entries: [
        { index: 11, term: 5, type: 'Normal', data: bytes('put a=1') },
        { index: 12, term: 5, type: 'ConfChange', data: new Uint8Array(0) },
      ],
    }),
    message({
      type: 'MsgSnap',
      to: 2,
      from: 1,
      term: 4,
      snapshot: { data: new Uint8Array([0, 255, 7]), metadata: { index: 100, term: 4, confState: { voters: [1, 2, 3], learners: [9] } } },
    }),
    message({ type: 'MsgVote', to: 2, from: 1, term: 5, logTerm: 4, index: 20, context: new Uint8Array(0) }),
  ];

  it.each(samples.map((m) => [m.type, m]))('round-trips %s', (_type, m) => {
    expect(decodeMessage(encodeMessage(m as Message))).toEqual(m);
  });

  it('rejects truncated input, trailing bytes and unknown versions', () => {
    const encoded = encodeMessage(samples[2] as Message);
    expect(() => decodeMessage(encoded.subarray(0, encoded.length - 1))).toThrow(MessageDecodeError);
    expect(() => decodeMessage(new Uint8Array([...encoded, 0]))).toThrow(/trailing bytes/);
    expect(() => decodeMessage(new Uint8Array([9, ...encoded.subarray(1)]))).toThrow(/unsupported version 9/);
  });
});

describe('InMemoryNetwork', () => {
  it('delivers asynchronously, in order, as copies', async () => {
    const net = new InMemoryNetwork();
    const a = net.transport(1);
    const b = net.transport(2);
    const got: Message[] = [];
    b.onMessage((m) => got.push(m));
    a.onMessage(() => undefined);
    const sent = [message({ type: 'MsgHeartbeat', from: 1, to: 2, term: 1 }), message({ type: 'MsgHeartbeat', from: 1, to: 2, term: 2 })];
    a.send(sent);
    expect(got).toEqual([]);
    await tick();
    expect(got.map((m) => m.term)).toEqual([1, 2]);
    expect(got[0]).toEqual(sent[0]);
    expect(got[0]).not.toBe(sent[0]);
  });

  it('drops messages on cut links and to closed transports, until healed', async () => {
    const net = new InMemoryNetwork();
    const got: string[] = [];
    for (const id of [1, 2, 3]) net.transport(id).onMessage((m) => got.push(`${m.from}->${m.to}`));
    const t1 = net.transport(4);
    const hb = (from: number, to: number): Message => message({ type: 'MsgHeartbeat', from, to });
    net.cut(4, 2);
    net.isolate(3);
    t1.send([hb(4, 1), hb(4, 2), hb(4, 3)]);
    await tick();
    expect(got).toEqual(['4->1']);
    // A cut applies to messages already in flight.
    t1.send([hb(4, 1)]);
    net.cut(4, 1);
    await tick();
    expect(got).toEqual(['4->1']);
    net.healAll();
    t1.send([hb(4, 1), hb(4, 2), hb(4, 3)]);
    await tick();
    expect(got).toEqual(['4->1', '4->1', '4->2', '4->3']);
    await t1.close();
    expect(() => net.transport(4)).not.toThrow();
    expect(net.stats).toEqual({ sent: 7, delivered: 4, dropped: 3 });
  });

  it('delays deliveries on an injected clock', async () => {
    const clock = new ManualClock();
    const net = new InMemoryNetwork({ clock, delayMs: 10 });
    const got: number[] = [];
    net.transport(2).onMessage((m) => got.push(m.term));
    net.transport(1).send([message({ type: 'MsgHeartbeat', from: 1, to: 2, term: 7 })]);
    await tick();
    clock.advance(9);
    expect(got).toEqual([]);
    clock.advance(1);
    expect(got).toEqual([7]);
  });
});
