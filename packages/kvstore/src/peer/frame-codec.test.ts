import { encodeMessage } from '@kubemu/raft';
import type { Message } from '@kubemu/raft';
import { FrameDecoder, FrameError, encodeHello, encodeRaftFrame, encodeRaftMessages, encodeRequest, encodeResponse } from './frame-codec';

const msg = (over: Partial<Message> = {}): Message => ({
  type: 'MsgApp', to: 2, from: 1, term: 3, logTerm: 2, index: 7, commit: 6, rejectHint: 0, reject: false,
  entries: [{ type: 'Normal', term: 3, index: 8, data: Buffer.from('hello') }], ...over,
});

test('round trip of every frame kind, split at every byte boundary', () => {
  const stream = Buffer.concat([
    encodeHello({ clusterId: 11, from: 1, to: 2, name: 'etcd-0', clientURLs: ['http://etcd-0:2379'] }),
    encodeRaftMessages([msg(), msg({ type: 'MsgHeartbeat', entries: [], context: Buffer.from('ctx') })]),
    encodeRequest(5, 'lease.keepAlive', { ID: 42, key: Buffer.from('k') }),
    encodeResponse(5, { ok: false, error: { code: 'NotLeader', grpcCode: 9, message: 'etcdserver: not leader' } }),
  ]);
  for (const step of [1, 3, 7, stream.length]) {
    const d = new FrameDecoder();
    const frames = [];
    for (let at = 0; at < stream.length; at += step) frames.push(...d.push(stream.subarray(at, at + step)));
    expect(frames.map((f) => f.kind)).toEqual(['hello', 'raft', 'request', 'response']);
    const raft = frames[1]!;
    if (raft.kind !== 'raft') throw new Error('not raft');
    expect(raft.messages).toHaveLength(2);
    expect(Buffer.from(raft.messages[0]!.entries[0]!.data).toString()).toBe('hello');
    expect(raft.messages[1]!.type).toBe('MsgHeartbeat');
    const req = frames[2]!;
    if (req.kind !== 'request') throw new Error('not a request');
    expect((req.body as { key: Buffer }).key.toString()).toBe('k');
    expect(d.pendingBytes()).toBe(0);
  }
});

test('malformed frames are FrameErrors: too large, empty, unknown kind, truncated or trailing messages', () => {
  const big = Buffer.alloc(4);
  big.writeUInt32BE(2000);
  expect(() => new FrameDecoder(1000).push(big)).toThrow(/exceeds the limit of 1000/);
  expect(() => new FrameDecoder().push(Buffer.alloc(4))).toThrow(FrameError);
  expect(() => new FrameDecoder().push(Buffer.from([0, 0, 0, 1, 99]))).toThrow(/unknown frame kind 99/);
  // A RAFT frame that claims two messages but holds one.
  const one = encodeRaftFrame([encodeMessage(msg())]);
  one.writeUInt32BE(2, 5);
  expect(() => new FrameDecoder().push(one)).toThrow(/truncated/);
  // A message whose bytes are not a raft message.
  expect(() => new FrameDecoder().push(encodeRaftFrame([Buffer.from('garbage')]))).toThrow(FrameError);
  // A hello that is not JSON.
  const hello = Buffer.from([0, 0, 0, 4, 1, 0x7b, 0x7b, 0x7b]);
  expect(() => new FrameDecoder().push(hello)).toThrow(FrameError);
});
