/**
 * bench:kvstore-alloc - where a kvstore member's garbage comes from, which is what its p99 tail
 * is made of (scavenges and mark-compacts; see bench:kvstore's per-row GC lines).
 *
 * A kvstore cluster (1 member by default) runs under `node --inspect=127.0.0.1:0`; after a warm-up
 * this process attaches to every member over the inspector protocol and runs V8's sampling heap
 * profiler with the objects later collected by minor and major GCs included (so it counts what was
 * allocated, not what stayed alive), while the `etcd3` client writes PUTS puts of 256 bytes at
 * INFLIGHT in flight. It prints the bytes allocated per put by package (grpc-js, node's http2,
 * the kvstore's own packages, ...) and the functions that allocate most. No anchor: a diagnostic.
 *
 * Usage: npm run bench:kvstore-alloc [-- --members 1|3] [--puts 5000] [--inflight 256] [--survivors] [--keep FILE]
 *   --survivors  count only what survived a young-generation collection (a scavenge): what makes
 *                scavenges long and fills the old generation. Compare with a run without it: an
 *                allocation site whose share survives far more often than the others' (which is
 *                what was merely in flight at a scavenge) is being kept alive by something.
 *   --keep FILE  also write the first member's profile (a .heapprofile for Chrome DevTools)
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Etcd3 } from 'etcd3';
import WebSocket from 'ws';
import { cleanUpOnInterrupt, startCluster } from './support/cluster';
import type { RunningMember } from './support/cluster';
import { VALUE_BYTES, puts } from './support/workload';
import { flag } from './support/args';

const WARMUP_PUTS = 3000;
const SAMPLING_INTERVAL_BYTES = 2048;

interface ProfileNode {
  callFrame: { functionName: string; url: string; lineNumber: number };
  selfSize: number;
  children: ProfileNode[];
}

/** One inspector session: a request/response channel over the member's debugger websocket. */
class Inspector {
  private seq = 0;
  private readonly pending = new Map<number, (result: unknown) => void>();

  private constructor(private readonly ws: WebSocket) {
    ws.on('message', (data: WebSocket.RawData) => {
      const msg = JSON.parse(data.toString()) as { id?: number; result?: unknown; error?: { message: string } };
      if (msg.id === undefined) return;
      const done = this.pending.get(msg.id);
      this.pending.delete(msg.id);
      done?.(msg.error !== undefined ? new Error(msg.error.message) : msg.result);
    });
  }

  static async open(url: string): Promise<Inspector> {
    const ws = new WebSocket(url);
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    return new Inspector(ws);
  }

  async call<T>(method: string, params: Record<string, unknown> = {}): Promise<T> {
    const id = ++this.seq;
    const result = await new Promise<unknown>((resolve) => {
      this.pending.set(id, resolve);
      this.ws.send(JSON.stringify({ id, method, params }));
    });
    if (result instanceof Error) throw result;
    return result as T;
  }

  close(): void {
    this.ws.close();
  }
}

/** The debugger URL node printed into the member's log (`--inspect=127.0.0.1:0` picks a port). */
async function debuggerUrl(m: RunningMember): Promise<string> {
  for (let i = 0; i < 100; i++) {
    const url = /Debugger listening on (ws:\/\/\S+)/.exec(await readFile(m.logFile, 'utf8'))?.[1];
    if (url !== undefined) return url;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${m.name}: no debugger URL in ${m.logFile}`);
}

/** Where a frame's code lives: an npm package, one of ours, a node built-in, or native. */
function origin(url: string): string {
  const npm = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (npm !== null) return npm[1]!;
  const ours = /\/packages\/([^/]+)\//.exec(url);
  if (ours !== null) return `@kubemu/${ours[1]!}`;
  if (url.startsWith('node:')) return url.replace(/^node:(internal\/)?/, 'node:').split('/').slice(0, 2).join('/');
  return url === '' ? '(native)' : url;
}

function tally(root: ProfileNode): { total: number; byOrigin: Map<string, number>; byFunction: Map<string, number> } {
  const byOrigin = new Map<string, number>();
  const byFunction = new Map<string, number>();
  let total = 0;
  const stack = [root];
  for (let n = stack.pop(); n !== undefined; n = stack.pop()) {
    const { functionName, url, lineNumber } = n.callFrame;
    total += n.selfSize;
    const o = origin(url);
    byOrigin.set(o, (byOrigin.get(o) ?? 0) + n.selfSize);
    const f = `${functionName || '(anonymous)'} ${o === '(native)' ? '' : `${url.split('/').slice(-2).join('/')}:${lineNumber + 1}`}`.trim();
    byFunction.set(f, (byFunction.get(f) ?? 0) + n.selfSize);
    stack.push(...n.children);
  }
  return { total, byOrigin, byFunction };
}

function top(m: Map<string, number>, count: number): [string, number][] {
  return [...m].sort((a, b) => b[1] - a[1]).slice(0, count);
}

async function main(): Promise<void> {
  const members = Number(flag('members') ?? '1');
  const total = Number(flag('puts') ?? '5000');
  const inflight = Number(flag('inflight') ?? '256');
  const keep = flag('keep');
  const survivors = process.argv.includes('--survivors');
  const root = await mkdtemp(path.join(tmpdir(), 'kubemu-bench-kvalloc-'));
  cleanUpOnInterrupt(root);
  const cluster = await startCluster({ kind: 'kvstore', members, root, nodeFlags: ['--inspect=127.0.0.1:0'] });
  const client = new Etcd3({ hosts: cluster.endpoints });
  const sessions: Inspector[] = [];
  try {
    const value = Buffer.alloc(VALUE_BYTES, 0x61);
    await puts(client, 'w', WARMUP_PUTS, 16, value);
    for (const m of cluster.members) sessions.push(await Inspector.open(await debuggerUrl(m)));
    for (const s of sessions) {
      await s.call('HeapProfiler.enable');
      await s.call('HeapProfiler.startSampling', { samplingInterval: SAMPLING_INTERVAL_BYTES, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: !survivors });
    }
    const run = await puts(client, 'p', total, inflight, value);
    const profiles = await Promise.all(sessions.map((s) => s.call<{ profile: { head: ProfileNode } }>('HeapProfiler.stopSampling')));
    console.log(`${members} member(s), ${total} puts of ${VALUE_BYTES} bytes at ${inflight} in flight: ${(total / run.seconds).toFixed(0)} puts/s`);
    profiles.forEach((p, i) => {
      const t = tally(p.profile.head);
      console.log(`\n${cluster.members[i]!.name}: ${(t.total / total / 1024).toFixed(1)} KiB ${survivors ? 'that survived a scavenge' : 'allocated'} per put (sampled every ${SAMPLING_INTERVAL_BYTES} bytes, ${survivors ? 'whether or not a full GC freed it later' : 'collected objects included'})`);
      console.log('| origin | KiB/put | share |');
      console.log('|---|---:|---:|');
      for (const [o, b] of top(t.byOrigin, 12)) console.log(`| ${o} | ${(b / total / 1024).toFixed(2)} | ${((100 * b) / t.total).toFixed(1)}% |`);
      console.log('top allocating functions:');
      for (const [f, b] of top(t.byFunction, 12)) console.log(`  ${((100 * b) / t.total).toFixed(1).padStart(5)}%  ${f}`);
    });
    if (keep !== undefined && profiles[0] !== undefined) {
      await writeFile(keep, JSON.stringify(profiles[0].profile));
      console.log(`\nprofile of ${cluster.members[0]!.name}: ${keep}`);
    }
  } finally {
    for (const s of sessions) s.close();
    client.close();
    await cluster.stop();
    await rm(root, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
