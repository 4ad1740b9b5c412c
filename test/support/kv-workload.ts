/**
 * A concurrent key-value workload for chaos tests: several workers, each one operation at a time
 * (put, linearizable get, cas through a txn, delete) over a small key set, every operation
 * recorded in a History (invoke, then ok / fail / info) for the linearizability checker.
 *
 * A worker talks to one member at a time through a client bound to that endpoint alone (no
 * retries behind our back) and moves to the next member after an error, as clientv3 does.
 *
 * Outcome rule, Jepsen's: a read that errs is `fail` (it changed nothing); a write refused
 * before it could reach a member (connection refused, no connection) or with a definite store
 * error is `fail`; a write that timed out or lost its connection after sending is `info`.
 */
import * as grpc from '@grpc/grpc-js';
import { EtcdClient } from '@kubemu/kvstore';
import { History } from '@kubemu/sim';
import type { KvInput, KvOutput } from '@kubemu/sim';

const PROBE_KEY = 'chaos/probe';
const enc = (s: string): Buffer => Buffer.from(s);
const dec = (b: Uint8Array | undefined): string | null => (b === undefined ? null : Buffer.from(b).toString());

export interface WorkloadOptions {
  endpoints: string[];
  workers: number;
  keys: number;
  requestTimeoutMs?: number;
  /** Pause between one worker's operations (ms): keeps the history small enough to check. */
  thinkMs?: number;
  seed?: number;
}

/** Codes that say the request never got to the store, or that the store refused it outright. */
const NOT_SENT = /ECONNREFUSED|No connection established|EHOSTUNREACH|ENETUNREACH|connect ETIMEDOUT/;
const UNKNOWN_CODES = new Set([grpc.status.DEADLINE_EXCEEDED, grpc.status.UNAVAILABLE, grpc.status.UNKNOWN, grpc.status.INTERNAL, grpc.status.CANCELLED]);

export function writeOutcome(err: unknown): 'fail' | 'info' {
  const e = err as Partial<grpc.ServiceError>;
  if (typeof e.code !== 'number') return 'info';
  if (NOT_SENT.test(e.details ?? e.message ?? '')) return 'fail';
  return UNKNOWN_CODES.has(e.code) ? 'info' : 'fail';
}

export class KvWorkload {
  readonly history = new History();
  /** Invocation and completion times (performance.now()) of acknowledged writes, in completion order. */
  readonly ackedWrites: Array<{ invoked: number; done: number }> = [];
  private running = false;
  private paused = false;
  private readonly inFlight = new Set<number>();
  private workers: Promise<void>[] = [];
  private rng: number;
  private probes = 0;
  private readonly errors = new Map<string, number>();

  constructor(private readonly opts: WorkloadOptions) {
    this.rng = opts.seed ?? 1;
  }

  key(i: number): string {
    return `chaos/k${String(i).padStart(2, '0')}`;
  }

  /** Every key the workload writes: the workers' and the failover probe's. */
  get keys(): string[] {
    return [...Array.from({ length: this.opts.keys }, (_, i) => this.key(i)), PROBE_KEY];
  }

  start(): void {
    this.running = true;
    this.workers = Array.from({ length: this.opts.workers }, (_, w) => this.worker(w));
  }

  /** Stops issuing operations and waits for the ones in flight. */
  async stop(): Promise<void> {
    this.running = false;
    await Promise.all(this.workers);
  }

  /** Holds the workers between operations (in-flight ones finish) until resume(). */
  async pause(): Promise<void> {
    this.paused = true;
    while (this.inFlight.size > 0) await new Promise((r) => setTimeout(r, 10));
  }

  resume(): void {
    this.paused = false;
  }

  /** Completion time of the first acknowledged write invoked at or after `invokedAfter` and done after `doneAfter`. */
  firstAckAfter(invokedAfter: number, doneAfter = invokedAfter): number | undefined {
    return this.ackedWrites.find((x) => x.invoked >= invokedAfter && x.done > doneAfter)?.done;
  }

  /**
   * Writes to its own key (recorded in the history like any client's) through each endpoint in
   * turn with a short deadline, until one is acknowledged; returns that completion time. The
   * workers cannot time a failover: during one they sit in requests waiting for their deadline.
   */
  async probeWrite(endpoints: string[], deadlineMs = 250, giveUpMs = 20_000): Promise<number> {
    const clients = endpoints.map((e) => new EtcdClient({ endpoints: [e], requestTimeoutMs: deadlineMs }));
    const end = performance.now() + giveUpMs;
    try {
      for (let n = 0; performance.now() < end; n++) {
        const input: KvInput = { type: 'put', key: PROBE_KEY, value: `probe-${this.probes++}` };
        const id = this.history.invoke('probe', input);
        try {
          const out = await execute(clients[n % clients.length] as EtcdClient, input);
          this.history.ok(id, out);
          return performance.now();
        } catch (err) {
          if (writeOutcome(err) === 'fail') this.history.fail(id, String(err));
          else this.history.info(id, String(err));
          await new Promise((r) => setTimeout(r, 10));
        }
      }
      throw new Error(`no write acknowledged within ${giveUpMs} ms`);
    } finally {
      for (const c of clients) c.close();
    }
  }

  /** Error texts seen, with counts: printed at the end so a reader sees what the faults caused. */
  errorSummary(): string {
    return [...this.errors.entries()].sort((a, b) => b[1] - a[1]).map(([e, n]) => `${n} x ${e}`).join('\n');
  }

  private random(): number {
    // mulberry32: the workload's choices are reproducible for a seed (timings are not).
    let t = (this.rng = (this.rng + 0x6d2b79f5) | 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  private async worker(w: number): Promise<void> {
    const clients = this.opts.endpoints.map((e) => new EtcdClient({ endpoints: [e], requestTimeoutMs: this.opts.requestTimeoutMs ?? 2000 }));
    let at = w % clients.length;
    let seq = 0;
    const lastSeen = new Map<string, string | null>();
    try {
      while (this.running) {
        if (this.paused) {
          await new Promise((r) => setTimeout(r, 20));
          continue;
        }
        const key = this.key(Math.floor(this.random() * this.opts.keys));
        const value = `w${w}-${seq++}`;
        const r = this.random();
        const input: KvInput =
          r < 0.4 ? { type: 'get', key }
          : r < 0.7 ? { type: 'put', key, value }
          : r < 0.9 ? { type: 'cas', key, expected: lastSeen.get(key) ?? null, value }
          : { type: 'delete', key };
        const invoked = performance.now();
        const id = this.history.invoke(w, input);
        this.inFlight.add(id);
        try {
          const out = await execute(clients[at] as EtcdClient, input);
          this.history.ok(id, out);
          if (input.type !== 'get') this.ackedWrites.push({ invoked, done: performance.now() });
          if ('value' in out) lastSeen.set(key, out.value);
          else if (input.type === 'put' || (input.type === 'cas' && 'ok' in out && out.ok)) lastSeen.set(key, input.value);
          else if (input.type === 'delete') lastSeen.set(key, null);
        } catch (err) {
          const text = String((err as { details?: string }).details ?? err).slice(0, 80);
          this.errors.set(text, (this.errors.get(text) ?? 0) + 1);
          if (input.type === 'get' || writeOutcome(err) === 'fail') this.history.fail(id, text);
          else this.history.info(id, text);
          at = (at + 1) % clients.length;
          await new Promise((res) => setTimeout(res, 50));
        } finally {
          this.inFlight.delete(id);
        }
        if (this.opts.thinkMs) await new Promise((res) => setTimeout(res, this.opts.thinkMs));
      }
    } finally {
      for (const c of clients) c.close();
    }
  }
}

async function execute(c: EtcdClient, input: KvInput): Promise<KvOutput> {
  switch (input.type) {
    case 'get': {
      const res = await c.range({ key: enc(input.key) });
      return { value: dec(res.kvs[0]?.value) };
    }
    case 'put':
      return { revision: (await c.put({ key: enc(input.key), value: enc(input.value) })).header.revision };
    case 'delete':
      return { deleted: (await c.deleteRange({ key: enc(input.key) })).deleted };
    case 'cas': {
      const cmp = input.expected === null
        ? { key: enc(input.key), target: 'VERSION' as const, result: 'EQUAL' as const, version: 0 }
        : { key: enc(input.key), target: 'VALUE' as const, result: 'EQUAL' as const, value: enc(input.expected) };
      const res = await c.txn({ compare: [cmp], success: [{ requestPut: { key: enc(input.key), value: enc(input.value) } }], failure: [] });
      return { ok: res.succeeded };
    }
  }
}
