import net from 'node:net';
import { RealClock, SeededRng, silentLogger } from '@kubemu/base';
import type { Message } from '@kubemu/raft';
import { PeerTransport } from './peer-transport';

const heartbeat = (from: number, to: number, term: number): Message => ({
  type: 'MsgHeartbeat', to, from, term, logTerm: 0, index: 0, commit: 0, rejectHint: 0, reject: false, entries: [],
});

async function pair(): Promise<[PeerTransport, PeerTransport]> {
  const common = { clusterId: 77, clock: new RealClock(), rng: new SeededRng(1), clientURLs: [], logger: silentLogger('peer-test') };
  const a = await PeerTransport.listen({ ...common, selfId: 1, name: 'a', listenURL: 'http://127.0.0.1:0', peers: [] });
  const b = await PeerTransport.listen({ ...common, selfId: 2, name: 'b', listenURL: 'http://127.0.0.1:0', peers: [{ id: 1, peerURLs: [`http://127.0.0.1:${a.port}`] }] });
  return [a, b];
}

async function until(cond: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !cond(); i++) await new Promise((r) => setTimeout(r, 10));
  if (!cond()) throw new Error('timed out');
}

test('messages sent in one turn arrive in order; a malformed frame closes only its connection', async () => {
  const [a, b] = await pair();
  const got: Message[] = [];
  a.onMessage((m) => got.push(m));
  await until(() => b.connectedPeers().includes(1));
  b.send([heartbeat(2, 1, 1), heartbeat(2, 1, 2), heartbeat(2, 1, 3)]);
  await until(() => got.length === 3);
  expect(got.map((m) => m.term)).toEqual([1, 2, 3]);

  // A stranger writes garbage: it is disconnected, and the transport keeps serving its peer.
  const rogue = net.connect({ host: '127.0.0.1', port: a.port });
  const closed = new Promise<void>((resolve) => rogue.on('close', () => resolve()));
  rogue.on('error', () => undefined);
  rogue.write(Buffer.from([0, 0, 0, 2, 42, 42]));
  await closed;
  b.send([heartbeat(2, 1, 4)]);
  await until(() => got.length === 4);
  await Promise.all([a.close(), b.close()]);
});

test('an unreachable peer: send() drops and reports, never throws; forwarded requests are answered', async () => {
  const [a, b] = await pair();
  a.onRequest((from, method, body) => Promise.resolve({ from, method, echo: body }));
  await until(() => b.connectedPeers().includes(1));
  expect(await b.request(1, 'ping', { x: 1 }, 1000)).toEqual({ from: 2, method: 'ping', echo: { x: 1 } });
  a.onRequest(() => Promise.reject(Object.assign(new Error('etcdserver: not leader'), { code: 'NotLeader', grpcCode: 9 })));
  await expect(b.request(1, 'ping', {}, 1000)).rejects.toThrow('etcdserver: not leader');
  await a.close();
  await until(() => b.connectedPeers().length === 0);
  const unreachable: number[] = [];
  b.onUnreachable((id) => unreachable.push(id));
  expect(() => b.send([heartbeat(2, 1, 9)])).not.toThrow();
  expect(unreachable).toEqual([1]);
  await b.close();
});
