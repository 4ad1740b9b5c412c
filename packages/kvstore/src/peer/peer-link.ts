/**
 * The one outgoing connection to one peer. The Raft messages of one send() call (the driver hands
 * over a Ready's messages in one call) are written at once, in one RAFT frame and one socket
 * write: pipelined (no waiting for the peer between frames) and batched, without the extra
 * event-loop turn a deferred flush would add to every hop of the commit path.
 *
 * Invariants:
 *  - send() never blocks or throws. While the link is down, or while the socket holds more
 *    than maxBufferedBytes unsent, messages are dropped and the caller told (it reports the peer
 *    unreachable to Raft, which retries by probing).
 *  - A broken connection is redialled with exponential backoff; pending forwarded requests on
 *    it fail at once rather than wait for their timeout.
 *  - A MsgSnap's outcome is reported once its frame was written (finish) or failed (failure).
 *  - A connection we keep sending on while hearing nothing back from the peer for SILENCE_MS
 *    (Raft answers every heartbeat and append) is closed: a partition drops packets without a
 *    reset and TCP would retry for minutes; closing it reports the peer unreachable and redials.
 */
import net from 'node:net';
import { Backoff, deferred, silentLogger } from '@kubemu/base';
import type { Clock, Deferred, Logger, Rng, Timer } from '@kubemu/base';
import { encodeMessage } from '@kubemu/raft';
import type { Message, NodeId } from '@kubemu/raft';
import { FrameDecoder, encodeHello, encodeRaftFrame, encodeRequest } from './frame-codec';
import type { Hello, WireError } from './frame-codec';

/** How long we may send to a peer without hearing from it before the connection is given up. */
const SILENCE_MS = 5000;

export interface PeerLinkOptions {
  peerId: NodeId;
  peerURLs: string[];
  hello: Hello;
  clock: Clock;
  rng: Rng;
  logger?: Logger;
  maxFrameBytes: number;
  maxBufferedBytes: number;
  onSnapshotStatus: (to: NodeId, status: 'finish' | 'failure') => void;
  /** Clock time of the last frame received from this peer (on its own connection to us), or 0. */
  lastHeard: () => number;
}

/** A forwarded call answered by the peer with an error. */
export class RemoteError extends Error {
  constructor(readonly wire: WireError) {
    super(wire.message);
    this.name = 'RemoteError';
  }
}

export class PeerLink {
  private socket: net.Socket | undefined;
  private connected = false;
  private closed = false;
  private reconnectTimer: Timer | undefined;
  private stallTimer: Timer | undefined;
  private lastSendAt = 0;
  private readonly backoff: Backoff;
  private readonly logger: Logger;
  private urlIndex = 0;
  private requestSeq = 0;
  private readonly pending = new Map<number, Deferred<unknown>>();

  constructor(private readonly opts: PeerLinkOptions) {
    this.backoff = new Backoff({ initialMs: 50, maxMs: 2000, jitter: 0.2 }, opts.rng);
    this.logger = opts.logger ?? silentLogger('peer-link');
    this.dial();
  }

  isConnected(): boolean {
    return this.connected;
  }

  /** Writes `messages` in one frame; false when they were dropped (link down or backed up). */
  send(messages: readonly Message[]): boolean {
    const s = this.socket;
    if (!this.connected || s === undefined || s.writableLength > this.opts.maxBufferedBytes) {
      for (const m of messages) if (m.type === 'MsgSnap') this.opts.onSnapshotStatus(m.to, 'failure');
      return false;
    }
    const snaps = messages.filter((m) => m.type === 'MsgSnap').map((m) => m.to);
    this.lastSendAt = this.opts.clock.now();
    // A snapshot goes in the same single frame as the rest: heartbeats sent with a large
    // snapshot wait for it to be written (acceptable while snapshots are small).
    s.write(encodeRaftFrame(messages.map(encodeMessage)), (err) => {
      for (const to of snaps) this.opts.onSnapshotStatus(to, err === undefined || err === null ? 'finish' : 'failure');
    });
    return true;
  }

  /** Calls `method` on the peer; rejects when the link is down, breaks, or no answer comes in time. */
  request(method: string, body: unknown, timeoutMs: number): Promise<unknown> {
    const s = this.socket;
    if (!this.connected || s === undefined) return Promise.reject(new Error(`peer ${this.opts.peerId.toString(16)} is unreachable`));
    const id = (this.requestSeq = (this.requestSeq + 1) % 0xffffffff);
    const d = deferred<unknown>();
    this.pending.set(id, d);
    const timer = this.opts.clock.setTimeout(() => {
      if (this.pending.delete(id)) d.reject(new Error(`peer ${this.opts.peerId.toString(16)} did not answer ${method} in ${timeoutMs} ms`));
    }, timeoutMs);
    void d.promise.then(
      () => timer.cancel(),
      () => timer.cancel(),
    );
    s.write(encodeRequest(id, method, body));
    return d.promise;
  }

  /** A joining member learned its cluster id: later hellos carry it. */
  setClusterId(id: number): void {
    this.opts.hello.clusterId = id;
  }

  close(): void {
    this.closed = true;
    this.reconnectTimer?.cancel();
    this.stallTimer?.cancel();
    this.socket?.destroy();
    this.dropPending();
  }

  private dial(): void {
    if (this.closed) return;
    const url = new URL(this.opts.peerURLs[this.urlIndex % this.opts.peerURLs.length]!);
    const s = net.connect({ host: url.hostname, port: Number(url.port === '' ? 2380 : url.port) });
    s.setNoDelay(true);
    this.socket = s;
    const decoder = new FrameDecoder(this.opts.maxFrameBytes);
    // A peer host that is down may never answer the SYN: give up on the attempt and redial.
    const connectTimer = this.opts.clock.setTimeout(() => s.destroy(), 3000);
    s.on('connect', () => {
      connectTimer.cancel();
      this.connected = true;
      this.backoff.reset();
      s.write(encodeHello(this.opts.hello));
      this.watchStall(s);
      this.logger.info('peer: connected', { peer: this.opts.peerId.toString(16), url: url.href });
    });
    s.on('data', (chunk: Buffer) => {
      try {
        for (const f of decoder.push(chunk)) {
          if (f.kind !== 'response') continue;
          const d = this.pending.get(f.id);
          if (d === undefined) continue;
          this.pending.delete(f.id);
          if (f.ok) d.resolve(f.body);
          else d.reject(new RemoteError(f.error));
        }
      } catch (err) {
        this.logger.error('peer: closing connection after a malformed frame', { peer: this.opts.peerId.toString(16), error: String(err) });
        s.destroy();
      }
    });
    s.on('error', (err) => {
      // Refused connections are routine while a peer is down: log them at debug only.
      this.logger.debug('peer: connection error', { peer: this.opts.peerId.toString(16), error: err.message });
    });
    s.on('close', () => {
      connectTimer.cancel();
      this.stallTimer?.cancel();
      const wasConnected = this.connected;
      this.connected = false;
      if (this.socket === s) this.socket = undefined;
      if (wasConnected) this.logger.warn('peer: connection lost', { peer: this.opts.peerId.toString(16) });
      this.dropPending();
      if (this.closed) return;
      this.urlIndex++;
      this.reconnectTimer = this.opts.clock.setTimeout(() => this.dial(), this.backoff.next());
    });
  }

  private watchStall(s: net.Socket): void {
    const connectedAt = this.opts.clock.now();
    this.stallTimer?.cancel();
    this.stallTimer = this.opts.clock.setInterval(() => {
      const heard = Math.max(this.opts.lastHeard(), connectedAt);
      if (this.lastSendAt - heard > SILENCE_MS) {
        this.logger.warn('peer: no answer from peer, closing the connection', { peer: this.opts.peerId.toString(16), unsent: s.writableLength });
        s.destroy();
      }
    }, SILENCE_MS / 5);
  }

  private dropPending(): void {
    for (const d of this.pending.values()) d.reject(new Error(`connection to peer ${this.opts.peerId.toString(16)} lost`));
    this.pending.clear();
  }
}
