/**
 * Raft's Transport over TCP between store members (--listen-peer-urls), plus a small request
 * channel a follower uses to call the leader (lease keepalive and time-to-live are leader-local).
 *
 * Each member dials every peer once (PeerLink) and accepts one connection from each; a member's
 * messages to a peer always travel on its own outgoing connection, and the peer's answers come
 * back on the peer's outgoing connection. Forwarded requests are answered on the connection they
 * came in on. The protocol is in frame-codec.ts.
 */
import net from 'node:net';
import { silentLogger } from '@kubemu/base';
import type { Clock, Logger, Rng } from '@kubemu/base';
import type { Message, NodeId, Transport } from '@kubemu/raft';
import { DEFAULT_MAX_FRAME_BYTES, FrameDecoder, encodeResponse } from './frame-codec';
import type { Frame, Hello, WireError } from './frame-codec';
import { PeerLink } from './peer-link';

export interface PeerTransportOptions {
  selfId: NodeId;
  /** 0 for a member joining a running cluster: it adopts the id of the first peer that dials it. */
  clusterId: number;
  name: string;
  /** Where to listen: "http://host:port" (the scheme is only etcd's spelling; the wire is TCP). */
  listenURL: string;
  /** Every other member, with the peer URLs to dial. */
  peers: Array<{ id: NodeId; peerURLs: string[] }>;
  /** This member's advertised client URLs, told to peers in the hello. */
  clientURLs: string[];
  clock: Clock;
  rng: Rng;
  logger?: Logger;
  maxFrameBytes?: number;
  /** Unsent bytes per peer beyond which messages are dropped (default 64 MiB). */
  maxBufferedBytes?: number;
}

/** What the server needs beyond raft's Transport: reachability reports and calls to the leader. */
export interface PeerChannel {
  onUnreachable(handler: (id: NodeId) => void): void;
  onSnapshotStatus(handler: (id: NodeId, status: 'finish' | 'failure') => void): void;
  /** A peer introduced itself (on every new inbound connection). */
  onPeerHello(handler: (hello: Hello) => void): void;
  /** Serves calls forwarded by peers; throw (an EtcdError) to answer with an error. */
  onRequest(handler: (from: NodeId, method: string, body: unknown) => Promise<unknown>): void;
  request(to: NodeId, method: string, body: unknown, timeoutMs: number): Promise<unknown>;
  /** A member added by a configuration change: dial it from now on. */
  addPeer(id: NodeId, peerURLs: string[]): void;
  /** A member removed by a configuration change: hang up and refuse its connections. */
  removePeer(id: NodeId): void;
  /** Peers with an established outgoing connection. */
  connectedPeers(): NodeId[];
}

export class PeerTransport implements Transport, PeerChannel {
  private readonly links = new Map<NodeId, PeerLink>();
  private readonly inbound = new Set<net.Socket>();
  private readonly logger: Logger;
  private messageHandler: ((m: Message) => void) | undefined;
  private unreachableHandler: (id: NodeId) => void = () => undefined;
  private snapshotHandler: (id: NodeId, status: 'finish' | 'failure') => void = () => undefined;
  private helloHandler: ((hello: Hello) => void) | undefined;
  /** Hellos that arrived before a handler was registered (peers dial while the server starts). */
  private readonly hellos = new Map<NodeId, Hello>();
  private requestHandler: ((from: NodeId, method: string, body: unknown) => Promise<unknown>) | undefined;
  private closed = false;
  private clusterId: number;
  /** Members removed by a configuration change: their connections are refused (etcd answers them 410 Gone). */
  private readonly removed = new Set<NodeId>();
  private readonly inboundFrom = new Map<net.Socket, NodeId>();
  /** Clock time of the last frame from each peer, for the links' silence check. */
  private readonly lastHeard = new Map<NodeId, number>();

  private constructor(
    private readonly opts: PeerTransportOptions,
    private readonly server: net.Server,
    readonly port: number,
  ) {
    this.logger = opts.logger ?? silentLogger('peer-transport');
    server.on('connection', (s) => this.accept(s));
    this.clusterId = opts.clusterId;
    for (const p of opts.peers) this.addPeer(p.id, p.peerURLs);
  }

  addPeer(id: NodeId, peerURLs: string[]): void {
    if (id === this.opts.selfId || this.links.has(id) || this.closed) return;
    this.removed.delete(id);
    this.links.set(
      id,
      new PeerLink({
        peerId: id,
        peerURLs,
        // Encoded at every (re)connect: a joining member's links pick up the adopted cluster id.
        hello: { clusterId: this.clusterId, from: this.opts.selfId, to: id, name: this.opts.name, clientURLs: this.opts.clientURLs },
        clock: this.opts.clock,
        rng: this.opts.rng,
        logger: this.logger,
        maxFrameBytes: this.opts.maxFrameBytes ?? DEFAULT_MAX_FRAME_BYTES,
        maxBufferedBytes: this.opts.maxBufferedBytes ?? 64 * 1024 * 1024,
        onSnapshotStatus: (to, status) => this.snapshotHandler(to, status),
        lastHeard: () => this.lastHeard.get(id) ?? 0,
      }),
    );
  }

  removePeer(id: NodeId): void {
    this.removed.add(id);
    this.links.get(id)?.close();
    this.links.delete(id);
    for (const [s, from] of this.inboundFrom) if (from === id) s.destroy();
  }

  /** The cluster id, once known (a joining member learns it from the first peer's hello). */
  currentClusterId(): number {
    return this.clusterId;
  }

  /** Binds the peer listener (port 0 picks one: see `port`) and starts dialling the peers. */
  static async listen(opts: PeerTransportOptions): Promise<PeerTransport> {
    const u = new URL(opts.listenURL);
    const server = net.createServer();
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen({ host: u.hostname, port: Number(u.port === '' ? 2380 : u.port) }, () => {
        server.off('error', reject);
        resolve();
      });
    });
    const addr = server.address();
    const port = typeof addr === 'object' && addr !== null ? addr.port : 0;
    return new PeerTransport(opts, server, port);
  }

  /** Writes the messages to each peer at once, in one frame per peer (see PeerLink.send). */
  send(messages: Message[]): void {
    if (this.closed) return;
    const byPeer = new Map<NodeId, Message[]>();
    for (const m of messages) {
      const list = byPeer.get(m.to);
      if (list === undefined) byPeer.set(m.to, [m]);
      else list.push(m);
    }
    for (const [to, batch] of byPeer) {
      const link = this.links.get(to);
      if (link === undefined) {
        this.logger.debug('peer: messages to an unknown member dropped', { to, types: batch.map((m) => m.type) });
        continue;
      }
      if (!link.send(batch)) this.unreachableHandler(to);
    }
  }

  onMessage(handler: (m: Message) => void): void {
    this.messageHandler = handler;
  }

  onUnreachable(handler: (id: NodeId) => void): void {
    this.unreachableHandler = handler;
  }

  onSnapshotStatus(handler: (id: NodeId, status: 'finish' | 'failure') => void): void {
    this.snapshotHandler = handler;
  }

  onPeerHello(handler: (hello: Hello) => void): void {
    this.helloHandler = handler;
    for (const h of this.hellos.values()) handler(h);
  }

  onRequest(handler: (from: NodeId, method: string, body: unknown) => Promise<unknown>): void {
    this.requestHandler = handler;
  }

  request(to: NodeId, method: string, body: unknown, timeoutMs: number): Promise<unknown> {
    const link = this.links.get(to);
    if (link === undefined || this.closed) return Promise.reject(new Error(`no connection to member ${to.toString(16)}`));
    return link.request(method, body, timeoutMs);
  }

  /** Peers with an established outgoing connection (health, tests). */
  connectedPeers(): NodeId[] {
    return [...this.links].filter(([, l]) => l.isConnected()).map(([id]) => id);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.messageHandler = undefined;
    for (const l of this.links.values()) l.close();
    for (const s of this.inbound) s.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private accept(s: net.Socket): void {
    if (this.closed) {
      s.destroy();
      return;
    }
    s.setNoDelay(true);
    this.inbound.add(s);
    const decoder = new FrameDecoder(this.opts.maxFrameBytes ?? DEFAULT_MAX_FRAME_BYTES);
    let peer: Hello | undefined;
    // A connection that never introduces itself holds a socket for nothing.
    const helloTimer = this.opts.clock.setTimeout(() => {
      if (peer === undefined) s.destroy();
    }, 10_000);
    s.on('data', (chunk: Buffer) => {
      try {
        for (const f of decoder.push(chunk)) {
          if (peer === undefined) {
            peer = this.checkHello(f);
            this.inboundFrom.set(s, peer.from);
          } else this.handle(peer, f, s);
        }
        if (peer !== undefined) this.lastHeard.set(peer.from, this.opts.clock.now());
      } catch (err) {
        this.logger.error('peer: closing inbound connection after a malformed frame', { from: s.remoteAddress, error: String(err) });
        s.destroy();
      }
    });
    s.on('error', (err) => this.logger.debug('peer: inbound connection error', { error: err.message }));
    s.on('close', () => {
      helloTimer.cancel();
      this.inbound.delete(s);
      this.inboundFrom.delete(s);
    });
  }

  private checkHello(f: Frame): Hello {
    if (f.kind !== 'hello') throw new Error(`expected a hello, got a ${f.kind} frame`);
    const h = f.hello;
    if (this.removed.has(h.from)) throw new Error(`member ${h.from.toString(16)} was removed from the cluster`);
    if (this.clusterId === 0 && h.clusterId !== 0) this.adoptClusterId(h.clusterId);
    // A member that joined dials with cluster id 0 until it learns ours: accepted once it is a member.
    const joining = h.clusterId === 0 && this.links.has(h.from);
    if (h.clusterId !== this.clusterId && !joining) {
      throw new Error(`cluster id mismatch: peer ${h.name} is in cluster ${h.clusterId.toString(16)}, this member in ${this.clusterId.toString(16)}`);
    }
    if (h.to !== this.opts.selfId) throw new Error(`member id mismatch: peer ${h.name} dialled member ${h.to.toString(16)}`);
    this.hellos.set(h.from, h);
    this.helloHandler?.(h);
    return h;
  }

  private handle(peer: Hello, f: Frame, s: net.Socket): void {
    if (f.kind === 'raft') {
      for (const m of f.messages) {
        if (m.to !== this.opts.selfId || m.from !== peer.from) {
          throw new Error(`message ${m.type} from ${m.from.toString(16)} to ${m.to.toString(16)} on the connection of ${peer.from.toString(16)}`);
        }
        this.deliver(m);
      }
    } else if (f.kind === 'request') {
      void this.serve(peer.from, f.id, f.method, f.body, s);
    }
  }

  private adoptClusterId(id: number): void {
    this.clusterId = id;
    for (const l of this.links.values()) l.setClusterId(id);
    this.logger.info('peer: joined cluster', { clusterId: id.toString(16) });
  }

  /** A receiver's failure is its own: logged, and the connection (a healthy one) stays up. */
  private deliver(m: Message): void {
    try {
      this.messageHandler?.(m);
    } catch (err) {
      this.logger.error('peer: raft could not step a message', { from: m.from.toString(16), type: m.type, error: String(err) });
    }
  }

  private async serve(from: NodeId, id: number, method: string, body: unknown, s: net.Socket): Promise<void> {
    let reply: { ok: true; body: unknown } | { ok: false; error: WireError };
    try {
      if (this.requestHandler === undefined) throw new Error('this member serves no forwarded requests');
      reply = { ok: true, body: await this.requestHandler(from, method, body) };
    } catch (err) {
      const e = err as { code?: unknown; grpcCode?: unknown; message?: unknown };
      reply = {
        ok: false,
        error: { code: typeof e.code === 'string' ? e.code : 'Unknown', grpcCode: typeof e.grpcCode === 'number' ? e.grpcCode : 2, message: String(e.message ?? err) },
      };
    }
    if (!s.destroyed) s.write(encodeResponse(id, reply));
  }
}
