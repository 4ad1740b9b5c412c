// The apiserver's one connection to NATS, kept alive in the background: the first connect and every
// reconnect are retried forever, so an apiserver starts (and keeps serving everything but Events)
// while NATS is down. Callers ask for the connection per operation and get nothing while it is
// down; they answer 503 then, and never wait for NATS.
import { connect, Events } from 'nats';
import type { JetStreamClient, JetStreamManager, NatsConnection } from 'nats';
import type { Logger } from '@kubemu/base';
import { unavailable } from '../http/status';
import type { ApiStatus } from '../http/status';

export interface NatsLinkOptions {
  /** nats://host:port, or a comma-separated list of them. */
  url: string;
  log: Logger;
  /** Shown by the server for this client (nats-server's connz). */
  name?: string;
  /** Milliseconds between attempts while NATS is unreachable. */
  reconnectWaitMs?: number;
}

export interface Connected {
  nc: NatsConnection;
  js: JetStreamClient;
  jsm: JetStreamManager;
}

/** JetStream API calls give up after this long; the request is then answered 503. */
const API_TIMEOUT_MS = 5000;

export class NatsLink {
  private current: Connected | undefined;
  private up = false;
  private closed = false;
  private readonly downListeners = new Set<() => void>();
  private readonly upListeners = new Set<() => void>();
  private readonly running: Promise<void>;
  /** Writes waiting for the end of this turn of the event loop (see atEndOfTurn). */
  private due: (() => void)[] = [];

  constructor(private readonly opts: NatsLinkOptions) {
    this.running = this.run().catch((err: unknown) => {
      this.opts.log.error('NATS link stopped', { err: String(err) });
      this.setUp(false);
    });
  }

  /** The connection while it is up; a 503 Status while it is not. */
  connection(): Connected | ApiStatus {
    if (this.up && this.current !== undefined) return this.current;
    return unavailable(`the event store is unavailable: not connected to NATS at ${this.opts.url}`);
  }

  isUp(): boolean {
    return this.up;
  }

  /**
   * Runs `write` at the end of this turn of the event loop, together with every other write to
   * NATS made during it. The NATS client sends what was published before its next flush (a
   * microtask) in one socket write, so the changes and Events of many concurrent requests go out
   * in one write instead of one each (which cost the apiserver as much as its store writes did);
   * the wait is at most one turn. `write` asks for the connection itself, when it runs.
   */
  atEndOfTurn(write: () => void): void {
    this.due.push(write);
    if (this.due.length > 1) return;
    setImmediate(() => {
      const due = this.due;
      this.due = [];
      for (const w of due) w();
    });
  }

  /** Called each time the connection is lost; returns the unsubscribe function. */
  onDown(fn: () => void): () => void {
    this.downListeners.add(fn);
    return () => this.downListeners.delete(fn);
  }

  /** Called on the first connect and on every reconnect. */
  onUp(fn: () => void): () => void {
    this.upListeners.add(fn);
    if (this.up) fn();
    return () => this.upListeners.delete(fn);
  }

  async close(): Promise<void> {
    this.closed = true;
    this.setUp(false);
    await this.current?.nc.close().catch(() => undefined);
    await this.running;
  }

  private async run(): Promise<void> {
    let nc: NatsConnection;
    try {
      nc = await connect({
        servers: this.opts.url.split(',').map((s) => s.trim()),
        name: this.opts.name ?? 'kubemu-apiserver',
        waitOnFirstConnect: true,
        maxReconnectAttempts: -1,
        // Resolve names with the system resolver (/etc/hosts first), not by DNS queries alone: the
        // launcher names services in per-namespace hosts files.
        resolve: false,
        reconnectTimeWait: this.opts.reconnectWaitMs ?? 1000,
        pingInterval: 10_000,
        maxPingOut: 2,
      });
    } catch (err) {
      // Only fatal errors end the retries (a malformed URL, bad credentials): Events stay 503.
      this.opts.log.error('cannot connect to NATS; events will be unavailable', { url: this.opts.url, err: String(err) });
      return;
    }
    if (this.closed) {
      await nc.close().catch(() => undefined);
      return;
    }
    this.current = { nc, js: nc.jetstream({ timeout: API_TIMEOUT_MS }), jsm: await nc.jetstreamManager({ timeout: API_TIMEOUT_MS, checkAPI: false }) };
    this.opts.log.info('connected to NATS', { url: this.opts.url, server: nc.getServer() });
    this.setUp(true);
    // The status iterator is not ended by close(); it is left to the garbage collector.
    void (async () => {
      for await (const s of nc.status()) {
        if (s.type === Events.Disconnect) {
          this.opts.log.warn('lost the NATS connection; reconnecting', { server: String(s.data) });
          this.setUp(false);
        } else if (s.type === Events.Reconnect) {
          this.opts.log.info('reconnected to NATS', { server: String(s.data) });
          this.setUp(true);
        }
      }
    })().catch(() => undefined);
    await nc.closed();
    this.setUp(false);
  }

  private setUp(up: boolean): void {
    if (this.closed && up) return;
    if (this.up === up) return;
    this.up = up;
    for (const fn of [...(up ? this.upListeners : this.downListeners)]) {
      try {
        fn();
      } catch (err) {
        this.opts.log.error('NATS link listener failed', { err: String(err) });
      }
    }
  }
}
