/**
 * bench:apiserver - one apiserver process (HTTPS, admin token) on a 3-member kvstore, all on
 * loopback, judged against the store it runs on, measured in the same run:
 *
 *   creates   10,000 small pods from 32 closed-loop clients, each its own keep-alive connection
 *   list      the 10,000 pods in one GET (no limit), and paged as kubectl does (limit=500)
 *   watch     1,000 chunked watches of a namespace's configmaps from a list's resourceVersion,
 *             receiving 1,000 updates: events delivered/s over all watchers, and the lag from an
 *             update's acknowledgement to its arrival, over every watcher x update
 *   anchor    raw kvstore puts at the same concurrency (32) with values the size of a stored pod,
 *             through the etcd3 client, against the same store; ratio = creates/s / raw puts/s
 *
 * Targets (reported, never asserted): mutating p99 <= 1 s, list of 10,000 pods <= 1 s,
 * creates/s >= 0.5 x raw puts/s. The last line of output is machine-readable:
 *   apiserver: creates/s=X p99ms=Y list10k_ms=Z watch_p99_lag_ms=W
 *
 * Usage: npm run bench:apiserver [-- --quick] [--cpu-prof DIR] [--watch-writers N]
 *   --quick          a fifth of the work (2,000 pods, 200 updates to the 1,000 watchers)
 *   --cpu-prof DIR   run the apiserver under `node --cpu-prof`, keep the profile in DIR and print
 *                    the functions with the most self time
 *   --watch-writers  configmaps updated in parallel during the watch phase (default 4)
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { Etcd3 } from 'etcd3';
import { startApiServerProcess } from './support/apiserver-process';
import type { ApiServerProcess } from './support/apiserver-process';
import { createPods, listAll, podName, prepareNamespace, watchFanOut } from './support/apiserver-workload';
import type { FanOutResult, ListResult } from './support/apiserver-workload';
import { cleanUpOnInterrupt, processMemory, startCluster } from './support/cluster';
import type { Cluster } from './support/cluster';
import { newestProfile, topSelfTime } from './support/cpu-profile';
import { ApiConnection } from './support/https-client';
import { closedLoop } from './support/workload';
import type { RunResult } from './support/workload';
import { flag } from './support/args';

const CLIENTS = 32;
const WATCHERS = 1_000;
const WARMUP_PODS = 320;
const NS = 'bench';

const fmt = (n: number, digits = 0): string => (Number.isFinite(n) ? n.toFixed(digits) : 'n/a');
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;

/** CPU seconds (user + system) a process has used, from /proc (Linux, 100 ticks/s). */
async function cpuSeconds(pid: number): Promise<number> {
  const f = (await readFile(`/proc/${pid}/stat`, 'utf8')).split(') ')[1]?.split(' ') ?? [];
  return (Number(f[11]) + Number(f[12])) / 100;
}

interface Phase<T> {
  result: T;
  /** CPU the apiserver and this bench process used during the phase, as a share of one core. */
  apiCpu: number;
  benchCpu: number;
}

async function phase<T>(api: ApiServerProcess, label: string, run: () => Promise<T>): Promise<Phase<T>> {
  console.error(`  ${label}...`);
  const c0 = await cpuSeconds(api.pid);
  const b0 = process.cpuUsage();
  const t0 = performance.now();
  const result = await run();
  const seconds = (performance.now() - t0) / 1000;
  const b = process.cpuUsage(b0);
  return { result, apiCpu: (await cpuSeconds(api.pid) - c0) / seconds, benchCpu: (b.user + b.system) / 1e6 / seconds };
}

interface Figures {
  creates: Phase<RunResult>;
  podBytes: number;
  lists: ListResult[];
  paged: ListResult[];
  raw: RunResult;
  watch: Phase<FanOutResult>;
  apiRss: number;
}

async function measure(cluster: Cluster, api: ApiServerProcess, pods: number, updates: number, writers: number): Promise<Figures> {
  const admin = new ApiConnection(api);
  const conns = Array.from({ length: CLIENTS }, () => new ApiConnection(api));
  const writer = new ApiConnection(api, writers);
  const etcd = new Etcd3({ hosts: cluster.endpoints });
  try {
    await prepareNamespace(admin, NS);
    await prepareNamespace(admin, 'warmup');
    await prepareNamespace(admin, 'watch');
    // Warm-up: TLS handshakes of all 32 connections, JITs, the pods watch cache.
    await createPods(conns, 'warmup', WARMUP_PODS);
    const creates = await phase(api, `creating ${pods} pods from ${CLIENTS} clients`, () => createPods(conns, NS, pods));

    const stored = await etcd.get(`/registry/pods/${NS}/${podName(0)}`).buffer();
    if (stored === null) throw new Error('the first pod is not in the store under /registry/pods/');
    const podBytes = stored.length;

    const lists: ListResult[] = [];
    const paged: ListResult[] = [];
    for (let i = 0; i < 3; i++) {
      lists.push(await listAll(admin, `/api/v1/namespaces/${NS}/pods`));
      paged.push(await listAll(admin, `/api/v1/namespaces/${NS}/pods`, 500));
    }
    for (const l of [...lists, ...paged]) if (l.items !== pods) throw new Error(`list returned ${l.items} pods, not ${pods}`);

    console.error(`  raw kvstore puts (${podBytes}-byte values, ${CLIENTS} in flight)...`);
    const value = Buffer.alloc(podBytes, 0x61);
    const raw = await closedLoop(pods, CLIENTS, (i) => etcd.put(`/registry/bench-raw/${NS}/${podName(i)}`).value(value).exec());

    const watch = await phase(api, `${WATCHERS} watchers x ${updates} updates`, () =>
      watchFanOut({ creds: api, writer, ns: 'watch', watchers: WATCHERS, updates, writers, timeoutMs: 180_000 }),
    );
    const apiRss = (await processMemory(api.pid)).rss;
    return { creates, podBytes, lists, paged, raw, watch, apiRss };
  } finally {
    etcd.close();
    writer.close();
    admin.close();
    for (const c of conns) c.close();
  }
}

function report(fig: Figures, pods: number): void {
  const c = fig.creates.result;
  const createsPerSec = c.ops / c.seconds;
  const rawPerSec = fig.raw.ops / fig.raw.seconds;
  const ratio = createsPerSec / rawPerSec;
  const listMs = median(fig.lists.map((l) => l.ms));
  const pagedMs = median(fig.paged.map((l) => l.ms));
  const w = fig.watch.result;
  const target = (ok: boolean): string => (ok ? 'met' : 'MISSED');
  console.log(`apiserver bench: 1 apiserver process (HTTPS) on a 3-member kvstore, loopback; ${availableParallelism()} CPUs, 1-min load ${fmt(loadavg()[0] ?? NaN, 1)}`);
  console.log(`stored pod: ${fig.podBytes} bytes; apiserver RSS after the run: ${fmt(fig.apiRss / 1048576)} MiB`);
  console.log('');
  console.log('| measurement | value | p50 ms | p99 ms | CPU apiserver/bench | target |');
  console.log('|---|---:|---:|---:|---:|---|');
  console.log(`| pod creates (${pods}, ${CLIENTS} clients) | ${fmt(createsPerSec)} /s | ${fmt(c.p50, 1)} | ${fmt(c.p99, 1)} | ${fmt(fig.creates.apiCpu * 100)}%/${fmt(fig.creates.benchCpu * 100)}% | p99 <= 1000 ms: ${target(c.p99 <= 1000)} |`);
  console.log(`| raw kvstore puts (${CLIENTS} in flight, ${fig.podBytes} B) | ${fmt(rawPerSec)} /s | ${fmt(fig.raw.p50, 1)} | ${fmt(fig.raw.p99, 1)} | - | anchor |`);
  console.log(`| list ${pods} pods, one GET (median of 3, ${fmt(median(fig.lists.map((l) => l.bytes)) / 1048576, 1)} MiB) | ${fmt(listMs)} ms | - | - | - | <= 1000 ms: ${target(listMs <= 1000)} |`);
  console.log(`| list ${pods} pods, limit=500 (${fig.paged[0]?.pages ?? 0} pages, median of 3) | ${fmt(pagedMs)} ms | - | - | - | - |`);
  console.log(`| watch: ${w.watchers} watchers x ${w.updates} updates (${w.delivered}/${w.expected} delivered) | ${fmt(w.eventsPerSecond)} events/s | ${fmt(w.lagP50, 1)} | ${fmt(w.lagP99, 1)} | ${fmt(fig.watch.apiCpu * 100)}%/${fmt(fig.watch.benchCpu * 100)}% | - |`);
  console.log(`| watch: arrival after the update was sent | - | ${fmt(w.sinceSentP50, 1)} | ${fmt(w.sinceSentP99, 1)} | - | - |`);
  console.log(`| watch: the updates themselves (PUT) | ${fmt(w.updateResult.ops / w.updateResult.seconds)} /s | ${fmt(w.updateResult.p50, 1)} | ${fmt(w.updateResult.p99, 1)} | - | p99 <= 1000 ms: ${target(w.updateResult.p99 <= 1000)} |`);
  console.log('');
  console.log(`watch: ${fmt(w.openMs)} ms to open the watches; delivery took ${fmt(w.seconds, 1)} s; lag = arrival - the writer's 200 (0 if the event came first), max ${fmt(w.lagMax)} ms`);
  console.log(`creates/raw puts ratio: ${fmt(ratio, 2)} (target >= 0.5: ${target(ratio >= 0.5)})`);
  console.log(`apiserver: creates/s=${fmt(createsPerSec)} p99ms=${fmt(c.p99, 1)} list10k_ms=${fmt(listMs)} watch_p99_lag_ms=${fmt(w.lagP99, 1)}`);
}

async function main(): Promise<void> {
  const quick = process.argv.includes('--quick');
  const pods = quick ? 2_000 : 10_000;
  const updates = quick ? 200 : 1_000;
  const writers = Number(flag('watch-writers') ?? 4);
  const cpuProf = flag('cpu-prof');
  const profDir = cpuProf === undefined ? undefined : path.resolve(cpuProf);
  const root = await mkdtemp(path.join(tmpdir(), 'kubemu-bench-apiserver-'));
  cleanUpOnInterrupt(root);
  let cluster: Cluster | undefined;
  let api: ApiServerProcess | undefined;
  try {
    console.error(`bench:apiserver: ${pods} pods, ${WATCHERS} watchers x ${updates} updates, temp dir ${root}`);
    cluster = await startCluster({ kind: 'kvstore', members: 3, root });
    api = await startApiServerProcess({
      dir: path.join(root, 'apiserver'),
      etcdServers: cluster.endpoints,
      ...(profDir === undefined ? {} : { nodeFlags: ['--cpu-prof', `--cpu-prof-dir=${profDir}`] }),
    });
    const fig = await measure(cluster, api, pods, updates, writers);
    await api.stop();
    api = undefined;
    if (profDir !== undefined) await printProfile(profDir);
    report(fig, pods);
  } finally {
    await api?.stop();
    await cluster?.stop();
    await rm(root, { recursive: true, force: true });
  }
}

async function printProfile(dir: string): Promise<void> {
  const file = await newestProfile(dir);
  if (file === undefined) {
    console.error(`no .cpuprofile written in ${dir}`);
    return;
  }
  console.log(`apiserver CPU profile: ${file}; top self time:`);
  for (const f of await topSelfTime(file, 20)) console.log(`  ${fmt(f.share * 100, 1).padStart(5)}%  ${fmt(f.selfMs).padStart(7)} ms  ${f.name}`);
  console.log('');
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
