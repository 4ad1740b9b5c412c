// For tests: apiserver replicas (real store, plain HTTP) whose Events live in a real nats-server,
// with the production extensions (patches, Tables) and an everyone-is-admin authorizer.
import { RealClock, SeededRng, silentLogger } from '@kubemu/base';
import { startApiServer } from '../apiserver';
import type { RunningApiServer } from '../apiserver';
import type { Extensions } from '../http/extensions';
import { extensions } from '../security';
import { ADMIN_EXTENSIONS, startTestApiServer } from '../test-apiserver';
import type { Json, TestApiServer } from '../test-apiserver';
import { startEventBus } from './index';
import type { EventBus } from './index';

export interface BusOptions {
  natsUrl: string;
  cluster?: string;
  eventTtlMs?: number;
}

export interface Replica {
  url: string;
  bus: EventBus;
  request(method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<{ status: number; body: Json }>;
  stop(): Promise<void>;
}

export function testExtensions(): Extensions {
  return extensions({ authenticate: ADMIN_EXTENSIONS.authenticate, authorize: ADMIN_EXTENSIONS.authorize }, new RealClock());
}

function bus(opts: BusOptions): EventBus {
  return startEventBus({
    natsUrl: opts.natsUrl,
    cluster: opts.cluster ?? 'test',
    eventTtlMs: opts.eventTtlMs ?? 3_600_000,
    clock: new RealClock(),
    rng: new SeededRng(11),
    log: silentLogger('events-test'),
    reconnectWaitMs: 100,
  });
}

export async function request(url: string, method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<{ status: number; body: Json }> {
  const init: RequestInit = { method, headers: { 'Content-Type': 'application/json', ...headers } };
  if (body !== undefined) init.body = typeof body === 'string' ? body : JSON.stringify(body);
  const res = await fetch(url + path, init);
  const text = await res.text();
  try {
    return { status: res.status, body: JSON.parse(text) as Json };
  } catch {
    return { status: res.status, body: text };
  }
}

/** The first replica, with its own single-member store. */
export async function startBusApiServer(opts: BusOptions): Promise<{ api: TestApiServer; replica: Replica }> {
  const b = bus(opts);
  const ext = testExtensions();
  const api = await startTestApiServer({ ext, special: (registry, caches) => b.attach(registry, caches, ext) });
  const replica: Replica = {
    url: api.url,
    bus: b,
    request: (m, p, body, h) => request(api.url, m, p, body, h),
    async stop() {
      await api.stop();
      await b.close();
    },
  };
  return { api, replica };
}

/** Another replica on the same store and the same NATS. */
export async function startReplica(api: TestApiServer, opts: BusOptions): Promise<Replica> {
  const b = bus(opts);
  const ext = testExtensions();
  const server: RunningApiServer = await startApiServer({
    etcdServers: [api.member.endpoint],
    bindAddress: '127.0.0.1',
    securePort: 0,
    advertiseAddress: '127.0.0.1',
    serviceClusterIpRange: '10.96.0.0/12',
    nodePortRange: [30000, 32767],
    clock: new RealClock(),
    rng: new SeededRng(13),
    log: silentLogger('apiserver-test'),
    ext,
    special: (registry, caches) => b.attach(registry, caches, ext),
  });
  return {
    url: server.url,
    bus: b,
    request: (m, p, body, h) => request(server.url, m, p, body, h),
    async stop() {
      await server.close();
      await b.close();
    },
  };
}

/** Waits until `check` holds, polling; fails with `what` after `ms`. */
export async function eventually(what: string, check: () => Promise<boolean> | boolean, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  for (;;) {
    if (await check()) return;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export function event(name: string, over: Json = {}): Json {
  return {
    apiVersion: 'v1',
    kind: 'Event',
    metadata: { name, ...(over.metadata ?? {}) },
    involvedObject: { kind: 'Pod', namespace: 'default', name: 'web', uid: 'u-web', apiVersion: 'v1', ...(over.involvedObject ?? {}) },
    reason: over.reason ?? 'Scheduled',
    message: over.message ?? 'Successfully assigned default/web to node-1',
    type: over.type ?? 'Normal',
    source: { component: 'default-scheduler' },
    count: 1,
    firstTimestamp: '2026-01-01T00:00:00Z',
    lastTimestamp: '2026-01-01T00:00:00Z',
  };
}

/**
 * Reads a chunked watch response line by line. `next()` resolves with the next event (or
 * undefined at the end of the stream); `close()` aborts it.
 */
export async function openWatch(url: string, path: string, headers: Record<string, string> = {}): Promise<{ status: number; body?: Json; next(ms?: number): Promise<Json | undefined>; close(): void }> {
  const abort = new AbortController();
  const res = await fetch(url + path, { headers, signal: abort.signal });
  if (res.headers.get('transfer-encoding') !== 'chunked') {
    return { status: res.status, body: JSON.parse(await res.text()) as Json, next: () => Promise.resolve(undefined), close: () => abort.abort() };
  }
  const reader = res.body!.getReader();
  const decoder = new TextDecoder();
  let buffered = '';
  let ended = false;
  // A read abandoned by a timeout is kept and awaited by the next call, so no chunk is lost.
  let pending: ReturnType<typeof reader.read> | undefined;
  return {
    status: res.status,
    async next(ms = 10_000) {
      const deadline = Date.now() + ms;
      for (;;) {
        const nl = buffered.indexOf('\n');
        if (nl >= 0) {
          const line = buffered.slice(0, nl);
          buffered = buffered.slice(nl + 1);
          return JSON.parse(line) as Json;
        }
        if (ended) return undefined;
        const left = deadline - Date.now();
        if (left <= 0) throw new Error(`no watch event within ${ms} ms`);
        let timer: NodeJS.Timeout | undefined;
        pending ??= reader.read();
        const chunk = await Promise.race([
          pending,
          new Promise<'timeout'>((r) => {
            timer = setTimeout(() => r('timeout'), left);
          }),
        ]);
        clearTimeout(timer);
        if (chunk === 'timeout') throw new Error(`no watch event within ${ms} ms`);
        pending = undefined;
        if (chunk.done) ended = true;
        else buffered += decoder.decode(chunk.value, { stream: true });
      }
    },
    close: () => abort.abort(),
  };
}
