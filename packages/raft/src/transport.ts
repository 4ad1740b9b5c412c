import { InvalidArgumentError, silentLogger } from '@kubemu/base';
import type { Clock, Logger } from '@kubemu/base';
import type { Message, NodeId } from './types';
import { decodeMessage, encodeMessage } from './transport-codec';

/**
 * How a node's messages reach its peers. Delivery is best effort, like a network: a message may
 * be lost, and Raft retries. send() never blocks and never throws for an unreachable peer.
 */
export interface Transport {
  send(messages: Message[]): void;
  /** Registers the one handler that receives messages addressed to this node. */
  onMessage(handler: (m: Message) => void): void;
  close(): Promise<void>;
}

export interface InMemoryNetworkOptions {
  /** With delayMs > 0, deliveries are scheduled on this clock (a ManualClock makes them steppable). */
  clock?: Clock;
  delayMs?: number;
  /**
   * Pass every message through encodeMessage/decodeMessage (default true), so nodes share no
   * objects and the codec is exercised; false hands over the same object, for raw speed.
   */
  serialize?: boolean;
  logger?: Logger;
}

export interface NetworkStats {
  sent: number;
  delivered: number;
  dropped: number;
}

/**
 * A hub connecting in-process nodes, for benchmarks, demos and tests. Every delivery is
 * asynchronous (never inside the sender's send()), in send order per link. Links can be cut:
 * a message on a cut link, to an unknown node, or to a closed transport is dropped, including
 * one already in flight when the link is cut.
 */
export class InMemoryNetwork {
  private readonly nodes = new Map<NodeId, InMemoryTransport>();
  /** Directed links that are down, as "from->to". */
  private readonly cutLinks = new Set<string>();
  private readonly logger: Logger;
  readonly stats: NetworkStats = { sent: 0, delivered: 0, dropped: 0 };

  constructor(private readonly opts: InMemoryNetworkOptions = {}) {
    this.logger = opts.logger ?? silentLogger('in-memory-network');
  }

  /** The transport of node `id`; a closed one may be replaced (a restarted node). */
  transport(id: NodeId): Transport {
    const existing = this.nodes.get(id);
    if (existing !== undefined && !existing.closed) throw new InvalidArgumentError(`node ${id} already has an open transport`);
    const t = new InMemoryTransport(id, this);
    this.nodes.set(id, t);
    return t;
  }

  /** Cuts the link between a and b in both directions. */
  cut(a: NodeId, b: NodeId): void {
    this.cutOneWay(a, b);
    this.cutOneWay(b, a);
  }

  cutOneWay(from: NodeId, to: NodeId): void {
    this.cutLinks.add(`${from}->${to}`);
  }

  heal(a: NodeId, b: NodeId): void {
    this.cutLinks.delete(`${a}->${b}`);
    this.cutLinks.delete(`${b}->${a}`);
  }

  /** Cuts every link to and from `id` (including nodes that join later). */
  isolate(id: NodeId): void {
    this.cutLinks.add(`${id}->*`);
    this.cutLinks.add(`*->${id}`);
  }

  healAll(): void {
    this.cutLinks.clear();
  }

  isLinkUp(from: NodeId, to: NodeId): boolean {
    return !this.cutLinks.has(`${from}->${to}`) && !this.cutLinks.has(`${from}->*`) && !this.cutLinks.has(`*->${to}`);
  }

  /** Called by a transport's send(). */
  dispatch(messages: Message[]): void {
    for (const m of messages) {
      this.stats.sent++;
      const payload: Message | Uint8Array = this.opts.serialize === false ? m : encodeMessage(m);
      const deliver = (): void => this.deliver(m.from, m.to, payload);
      const delay = this.opts.delayMs ?? 0;
      if (this.opts.clock !== undefined && delay > 0) this.opts.clock.setTimeout(deliver, delay);
      else setImmediate(deliver);
    }
  }

  private deliver(from: NodeId, to: NodeId, payload: Message | Uint8Array): void {
    const target = this.nodes.get(to);
    if (target === undefined || target.closed || target.handler === undefined || !this.isLinkUp(from, to)) {
      this.stats.dropped++;
      return;
    }
    this.stats.delivered++;
    const m = payload instanceof Uint8Array ? decodeMessage(payload) : payload;
    try {
      target.handler(m);
    } catch (err) {
      // A receiver's failure is its own; it must not break delivery to the others.
      this.logger.error('in-memory-network: message handler threw', { to, type: m.type, error: String(err) });
    }
  }
}

class InMemoryTransport implements Transport {
  closed = false;
  handler: ((m: Message) => void) | undefined;

  constructor(
    readonly id: NodeId,
    private readonly network: InMemoryNetwork,
  ) {}

  send(messages: Message[]): void {
    if (this.closed || messages.length === 0) return;
    this.network.dispatch(messages);
  }

  onMessage(handler: (m: Message) => void): void {
    this.handler = handler;
  }

  close(): Promise<void> {
    this.closed = true;
    this.handler = undefined;
    return Promise.resolve();
  }
}
