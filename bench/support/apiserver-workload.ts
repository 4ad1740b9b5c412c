/**
 * The apiserver bench workloads: pod creates from N closed-loop clients (each its own keep-alive
 * connection), full and paged lists, and a watch fan-out (W watchers of one namespace's
 * configmaps, U updates, the arrival of every update at every watcher timed).
 */
import { ApiConnection, openWatch } from './https-client';
import type { ApiCredentials, WatchStream } from './https-client';
import { closedLoop, percentile } from './workload';
import type { RunResult } from './workload';

export function podName(i: number): string {
  return `pod-${String(i).padStart(6, '0')}`;
}

/** One small container, as the brief's "small pod"; everything else is defaulted by the server. */
export function smallPod(name: string): unknown {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, labels: { app: 'bench' } },
    spec: { containers: [{ name: 'c', image: 'registry.k8s.io/pause:3.9' }] },
  };
}

/** A namespace with its `default` ServiceAccount (pod admission requires it; no controller runs here). */
export async function prepareNamespace(conn: ApiConnection, ns: string): Promise<void> {
  await conn.expect(201, 'POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } });
  await conn.expect(201, 'POST', `/api/v1/namespaces/${ns}/serviceaccounts`, { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'default' } });
}

export function createPods(conns: ApiConnection[], ns: string, total: number): Promise<RunResult> {
  return closedLoop(total, conns.length, (i, w) => conns[w]!.expect(201, 'POST', `/api/v1/namespaces/${ns}/pods`, smallPod(podName(i))));
}

export interface ListResult {
  ms: number;
  items: number;
  bytes: number;
  pages: number;
}

interface ListBody {
  metadata?: { continue?: string; resourceVersion?: string };
  items?: unknown[];
}

/** GET the collection, in one response (limit 0) or in pages of `limit` as kubectl does. */
export async function listAll(conn: ApiConnection, path: string, limit = 0): Promise<ListResult> {
  const t0 = performance.now();
  let items = 0;
  let bytes = 0;
  let pages = 0;
  let token: string | undefined;
  do {
    const q = new URLSearchParams();
    if (limit > 0) q.set('limit', String(limit));
    if (token !== undefined) q.set('continue', token);
    const r = await conn.expect(200, 'GET', `${path}${q.size > 0 ? `?${q.toString()}` : ''}`);
    const body = r.body as ListBody;
    items += body.items?.length ?? 0;
    bytes += r.bytes;
    pages++;
    token = body.metadata?.continue === '' ? undefined : body.metadata?.continue;
  } while (token !== undefined);
  return { ms: performance.now() - t0, items, bytes, pages };
}

export interface FanOutResult {
  watchers: number;
  updates: number;
  delivered: number;
  expected: number;
  /** From the first update sent to the last event received. */
  seconds: number;
  eventsPerSecond: number;
  /**
   * Delivery lag percentiles, ms: arrival at a watcher minus the update's acknowledgement (the
   * writer receiving its 200), counted as 0 when the event arrived first, which is common: the
   * server fans the event out before it answers the writer.
   */
  lagP50: number;
  lagP99: number;
  lagMax: number;
  /** Arrival at a watcher minus the moment the update was sent, ms. */
  sinceSentP50: number;
  sinceSentP99: number;
  /** Time to open all watches (TLS handshakes included), ms. */
  openMs: number;
  updateResult: RunResult;
}

export interface FanOutOptions {
  creds: ApiCredentials;
  writer: ApiConnection;
  ns: string;
  watchers: number;
  updates: number;
  /** How many configmaps are updated in parallel (each by its own sequential writer). */
  writers: number;
  timeoutMs: number;
}

const SEQ_MARK = '"seq":"';
const SEQ_DIGITS = 6;

/**
 * W chunked watches of the namespace's configmaps from the resourceVersion of a list, then U
 * updates. Each update carries its sequence number in `data.seq`, so a watcher learns which update
 * arrived by scanning the raw line: the client's own JSON parsing stays out of the lag.
 */
export async function watchFanOut(o: FanOutOptions): Promise<FanOutResult> {
  const base = `/api/v1/namespaces/${o.ns}/configmaps`;
  const current: Record<string, unknown>[] = [];
  for (let lane = 0; lane < o.writers; lane++) {
    const r = await o.writer.expect(201, 'POST', base, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: `lane-${lane}` }, data: { seq: 'initial' } });
    current.push(r.body as Record<string, unknown>);
  }
  const listed = (await o.writer.expect(200, 'GET', base)).body as ListBody;
  const rv = listed.metadata?.resourceVersion ?? '';

  const arrivals = new Float64Array(o.watchers * o.updates).fill(NaN);
  let delivered = 0;
  let lastArrival = 0;
  let failures = 0;
  let allDone: () => void = () => undefined;
  const done = new Promise<void>((resolve) => (allDone = resolve));
  const expected = o.watchers * o.updates;
  const watchConn = new ApiConnection(o.creds, Infinity);
  const streams: WatchStream[] = [];
  const t0Open = performance.now();
  // Open in batches: a thousand simultaneous TLS handshakes would overflow the listen backlog.
  for (let w = 0; w < o.watchers; w += 50) {
    const batch: Promise<void>[] = [];
    for (let k = w; k < Math.min(o.watchers, w + 50); k++) {
      const s = openWatch(watchConn, `${base}?watch=1&resourceVersion=${rv}`, (line) => {
        const at = line.indexOf(SEQ_MARK);
        if (at < 0) return;
        const seq = Number(line.slice(at + SEQ_MARK.length, at + SEQ_MARK.length + SEQ_DIGITS));
        if (!Number.isInteger(seq) || seq < 0 || seq >= o.updates) return;
        const slot = k * o.updates + seq;
        if (!Number.isNaN(arrivals[slot])) return;
        arrivals[slot] = lastArrival = performance.now();
        if (++delivered === expected) allDone();
      }, () => {
        failures++;
      });
      streams.push(s);
      batch.push(s.opened);
    }
    await Promise.all(batch);
  }
  const openMs = performance.now() - t0Open;

  const acks = new Float64Array(o.updates).fill(NaN);
  const sent = new Float64Array(o.updates).fill(NaN);
  const t0 = performance.now();
  let seqNext = 0;
  const updateResult = await closedLoop(o.updates, o.writers, async (_i, lane) => {
    // Each lane updates its own configmap, so its PUTs never conflict with another lane's.
    const seq = seqNext++;
    const obj = current[lane]!;
    sent[seq] = performance.now();
    const r = await o.writer.expect(200, 'PUT', `${base}/lane-${lane}`, { ...obj, data: { seq: String(seq).padStart(SEQ_DIGITS, '0') } });
    acks[seq] = performance.now();
    current[lane] = r.body as Record<string, unknown>;
  });
  const timer = setTimeout(allDone, o.timeoutMs);
  await done;
  clearTimeout(timer);
  for (const s of streams) s.stop();
  watchConn.close();

  const lags: number[] = [];
  const sinceSent: number[] = [];
  for (let w = 0; w < o.watchers; w++) {
    for (let u = 0; u < o.updates; u++) {
      const a = arrivals[w * o.updates + u]!;
      if (Number.isNaN(a)) continue;
      lags.push(Math.max(0, a - acks[u]!));
      sinceSent.push(a - sent[u]!);
    }
  }
  lags.sort((a, b) => a - b);
  sinceSent.sort((a, b) => a - b);
  const seconds = (lastArrival - t0) / 1000;
  if (failures > 0) console.error(`  watch fan-out: ${failures} watch streams ended early`);
  return {
    watchers: o.watchers,
    updates: o.updates,
    delivered,
    expected,
    seconds,
    eventsPerSecond: delivered / seconds,
    lagP50: percentile(lags, 50),
    lagP99: percentile(lags, 99),
    lagMax: lags[lags.length - 1] ?? NaN,
    sinceSentP50: percentile(sinceSent, 50),
    sinceSentP99: percentile(sinceSent, 99),
    openMs,
    updateResult,
  };
}
