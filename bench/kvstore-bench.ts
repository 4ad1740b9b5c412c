/**
 * bench:kvstore - the kvstore against real etcd 3.4, same workload, same client, same run.
 *
 * Each system runs as a cluster of real processes on loopback (temp data dirs, etcd's flags).
 * Both clusters are up for the whole run and take turns, row by row (etcd, then the kvstore),
 * so they never compete for the CPUs (the idle one only heartbeats: its CPU meanwhile is
 * reported), and a shift in the load of a shared machine during the run falls on both alike
 * instead of on whichever system went second. Through one `etcd3` client per system
 * configured with all members' endpoints: 20,000 puts (8-byte keys, 256-byte values) at 1, 16
 * and 256 in flight, then 20,000 linearizable gets at 16 in flight. The last line of output is
 * the machine-readable ratio `kvstore/etcd ratio: c1=X c16=Y c256=Z get16=W` (ops/s ÷ ops/s).
 *
 * Each row also reports the CPU each side burnt: the client's (% of one core) and the members'
 * (all threads of all members, µs per operation), and how many Raft entries a member's WAL sync
 * carried on average (committed index growth over WAL syncs, from each member's /metrics under
 * etcd's names), which says how far per-write costs are shared. On the 2 shared cores of a CI box
 * the members and the client compete for CPU, so a member's cost per operation shows in
 * everyone's latency.
 * For the kvstore, each row also prints every member's GC pauses by kind and the event loop's
 * longest delay during the row (from its /metrics). The table gives p90 and p99.9 besides the
 * p50 and p99 the target names: a tail that is heavier from p90 on is queueing for the CPU, where
 * a gap at p99.9 alone would point at pauses.
 *
 * Usage: npm run bench:kvstore [-- --quick] [--members 3] [--only kvstore|etcd] [--rows c16,c256] [--cpu-prof DIR]
 *   --quick     a fifth of the operations
 *   --members   cluster size for both systems (default 3)
 *   --only      bench one system (while iterating on it; the ratio line then reads n/a)
 *   --rows      only these rows (labels as in the ratio line; get16 reads what c256 wrote)
 *   --cpu-prof  run kvstore members under `node --cpu-prof` and keep the profiles in DIR
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { Etcd3 } from 'etcd3';
import { cleanUpOnInterrupt, processCpuSeconds, processMemory, startCluster } from './support/cluster';
import type { Cluster } from './support/cluster';
import type { StoreKind } from './support/cluster';
import { KEY_BYTES, VALUE_BYTES, gets, puts } from './support/workload';
import type { RunResult } from './support/workload';
import { flag } from './support/args';

interface Row {
  system: StoreKind;
  workload: string;
  label: string;
  result: RunResult;
  /** The bench client's CPU over the row, in % of one core. */
  clientCpuPct: number;
  /** CPU of all members over the row, in µs per operation. */
  memberCpuUsPerOp: number;
  /** Raft entries committed per WAL sync over the row, averaged over the members. */
  entriesPerSync: number;
}

const WORKLOADS = [
  { name: 'put c1', label: 'c1', inflight: 1, phase: 'a' },
  { name: 'put c16', label: 'c16', inflight: 16, phase: 'b' },
  { name: 'put c256', label: 'c256', inflight: 256, phase: 'c' },
  // Reads the keys the c256 row wrote.
  { name: 'get c16 (linearizable)', label: 'get16', inflight: 16, phase: 'c' },
] as const;
/**
 * Puts (at 16 in flight) before the first timed row, on each system. A store runs for days, so the
 * figures are those of a warm process: V8 compiles a function with its optimizing tier only after
 * many calls. 200 left the first row measuring Node's start-up; 2,000 still left c1 paying for the
 * compiler (0.65 of etcd cold against 0.72–0.81 warm). etcd, compiled ahead of time, gets the same.
 */
const WARMUP_OPS = 10_000;

/** One store cluster under test, with its own client; rows are run on it in turns with the other. */
interface System {
  kind: StoreKind;
  cluster: Cluster;
  client: Etcd3;
  rows: Row[];
  /** Member CPU seconds burnt while the other system ran its rows, and how long that was. */
  idle: { cpuSeconds: number; seconds: number };
}

async function openSystem(kind: StoreKind, members: number, root: string, cpuProfDir: string | undefined): Promise<System> {
  const nodeFlags = kind === 'kvstore' && cpuProfDir !== undefined ? ['--cpu-prof', `--cpu-prof-dir=${cpuProfDir}`] : [];
  const cluster = await startCluster({ kind, members, root, nodeFlags });
  const client = new Etcd3({ hosts: cluster.endpoints });
  const sys: System = { kind, cluster, client, rows: [], idle: { cpuSeconds: 0, seconds: 0 } };
  try {
    // Warm up connections, JITs and the leader's pipelines before the first timed row, scraping
    // the members' /metrics meanwhile as every row does around its run. Without that, the first
    // scrape fed the members' stream code a new kind of socket right at the start of the first
    // row, and V8 threw away and recompiled its optimized code for them during the row.
    const warm = puts(client, 'w', WARMUP_OPS, 16, Buffer.alloc(VALUE_BYTES, 0x61));
    let warming = true;
    const scrapes = (async () => {
      while (warming) {
        await Promise.all([syncsAndCommits(sys), kind === 'kvstore' ? memberPauses(sys) : undefined, memberCpu(sys)]);
        await new Promise((r) => setTimeout(r, 250));
      }
    })();
    scrapes.catch(() => undefined); // awaited below; a failed scrape must not be an unhandled rejection meanwhile
    try {
      await warm;
    } finally {
      warming = false;
      await scrapes;
    }
  } catch (err) {
    await closeSystem(sys);
    throw err;
  }
  return sys;
}

const memberCpu = (sys: System): Promise<number> =>
  Promise.all(sys.cluster.members.map((m) => processCpuSeconds(m.pid))).then((all) => all.reduce((a, b) => a + b, 0));

/** GC pause seconds by kind (prom-client's nodejs_gc_duration_seconds) and the event loop's max delay since the last scrape, per member. */
async function memberPauses(sys: System): Promise<{ gc: Map<string, { sum: number; count: number }>; lagMax: number }[]> {
  return Promise.all(sys.cluster.members.map(async (m) => {
    const text = await (await fetch(`${m.metricsURL}/metrics`)).text();
    const gc = new Map<string, { sum: number; count: number }>();
    for (const x of text.matchAll(/^nodejs_gc_duration_seconds_(sum|count)\{kind="(\w+)"\} ([\d.e+-]+)$/gm)) {
      const e = gc.get(x[2]!) ?? { sum: 0, count: 0 };
      e[x[1] as 'sum' | 'count'] = Number(x[3]);
      gc.set(x[2]!, e);
    }
    const lag = /^nodejs_eventloop_lag_max_seconds ([\d.e+-]+)$/m.exec(text);
    return { gc, lagMax: Number(lag?.[1] ?? NaN) };
  }));
}

/**
 * Each member's WAL syncs so far and the seconds they took (etcd_disk_wal_fsync_duration_seconds
 * count and sum) and its committed index (etcd_server_proposals_committed_total): both systems
 * export them under etcd's names.
 */
async function syncsAndCommits(sys: System): Promise<{ syncs: number; syncSeconds: number; committed: number }[]> {
  return Promise.all(sys.cluster.members.map(async (m) => {
    const text = await (await fetch(`${m.metricsURL}/metrics`)).text();
    const value = (name: string): number => Number(new RegExp(`^${name} ([\\d.e+-]+)$`, 'm').exec(text)?.[1] ?? NaN);
    return {
      syncs: value('etcd_disk_wal_fsync_duration_seconds_count'),
      syncSeconds: value('etcd_disk_wal_fsync_duration_seconds_sum'),
      committed: value('etcd_server_proposals_committed_total'),
    };
  }));
}

/** Runs one row on `sys`; `others` idle meanwhile, and what they burn is recorded. */
async function runRow(sys: System, others: System[], w: (typeof WORKLOADS)[number], ops: number): Promise<void> {
  const value = Buffer.alloc(VALUE_BYTES, 0x61);
  const pauses0 = sys.kind === 'kvstore' ? await memberPauses(sys) : [];
  const wal0 = await syncsAndCommits(sys);
  const [client0, members0, others0] = [process.cpuUsage(), await memberCpu(sys), await Promise.all(others.map(memberCpu))];
  const result = w.label === 'get16' ? await gets(sys.client, w.phase, ops, w.inflight, ops) : await puts(sys.client, w.phase, ops, w.inflight, value);
  const [client1, members1, others1] = [process.cpuUsage(client0), await memberCpu(sys), await Promise.all(others.map(memberCpu))];
  const wal1 = await syncsAndCommits(sys);
  const perMember = wal1.map((w, i) => (w.committed - wal0[i]!.committed) / (w.syncs - wal0[i]!.syncs));
  const syncMs = wal1.map((w, i) => ((w.syncSeconds - wal0[i]!.syncSeconds) * 1000) / (w.syncs - wal0[i]!.syncs));
  others.forEach((o, i) => {
    o.idle.cpuSeconds += (others1[i] ?? 0) - (others0[i] ?? 0);
    o.idle.seconds += result.seconds;
  });
  const row: Row = {
    system: sys.kind,
    workload: w.name,
    label: w.label,
    result,
    clientCpuPct: (client1.user + client1.system) / 1e4 / result.seconds,
    memberCpuUsPerOp: ((members1 - members0) * 1e6) / result.ops,
    entriesPerSync: perMember.reduce((a, b) => a + b, 0) / perMember.length,
  };
  sys.rows.push(row);
  console.error(`  ${sys.kind} ${w.name}: ${(result.ops / result.seconds).toFixed(0)} ops/s, client CPU ${row.clientCpuPct.toFixed(0)}%, members ${row.memberCpuUsPerOp.toFixed(0)} µs/op, entries per WAL sync ${perMember.map((x) => x.toFixed(1)).join('/')}, WAL sync ms ${syncMs.map((x) => x.toFixed(2)).join('/')}`);
  if (sys.kind === 'kvstore') {
    const pauses1 = await memberPauses(sys);
    const per = pauses1.map((p, i) => {
      const kinds = [...p.gc].map(([k, v]) => {
        const b = pauses0[i]?.gc.get(k) ?? { sum: 0, count: 0 };
        return `${k} ${v.count - b.count}x ${((v.sum - b.sum) * 1000).toFixed(0)}ms`;
      });
      return `${sys.cluster.members[i]!.name}: loop max ${(p.lagMax * 1000).toFixed(0)}ms, gc ${kinds.join(' ')}`;
    });
    console.error(`    ${per.join(' | ')}`);
  }
}

/** Stops the cluster; returns the members' resident memory (MiB) as "a/b/c". */
async function closeSystem(sys: System): Promise<string> {
  try {
    const mems = await Promise.all(sys.cluster.members.map((m) => processMemory(m.pid)));
    return mems.map((m) => `${(m.rss / 1048576).toFixed(0)}`).join('/');
  } finally {
    sys.client.close();
    await sys.cluster.stop();
  }
}

function fmt(n: number, digits: number): string {
  return Number.isFinite(n) ? n.toFixed(digits) : 'n/a';
}

async function main(): Promise<void> {
  const quick = process.argv.includes('--quick');
  const members = Number(flag('members') ?? 3);
  const cpuProf = flag('cpu-prof');
  const ops = quick ? 4_000 : 20_000;
  const root = await mkdtemp(path.join(tmpdir(), 'kubemu-bench-kvstore-'));
  cleanUpOnInterrupt(root);
  // Both systems share 2 cores with whatever else runs: the load average says how quiet it was.
  const loadBefore = loadavg()[0] ?? NaN;
  try {
    console.error(`bench:kvstore: ${members} members each, ${ops} ops per row, temp dir ${root}`);
    const only = flag('only');
    const rowFlag = flag('rows');
    const workloads = rowFlag === undefined ? WORKLOADS : WORKLOADS.filter((w) => rowFlag.split(',').includes(w.label));
    const kinds = (['etcd', 'kvstore'] as const).filter((k) => only === undefined || only === k);
    const systems: System[] = [];
    const rss = new Map<StoreKind, string>();
    try {
      for (const kind of kinds) systems.push(await openSystem(kind, members, root, kind === 'kvstore' && cpuProf !== undefined ? path.resolve(cpuProf) : undefined));
      for (const w of workloads) {
        for (const sys of systems) await runRow(sys, systems.filter((o) => o !== sys), w, ops);
      }
    } finally {
      for (const sys of systems) rss.set(sys.kind, await closeSystem(sys));
    }
    const rowsOf = (kind: StoreKind): Row[] => systems.find((x) => x.kind === kind)?.rows ?? [];
    const idleOf = (kind: StoreKind): string => {
      const idle = systems.find((x) => x.kind === kind)?.idle;
      return idle === undefined || idle.seconds === 0 ? 'n/a' : `${((100 * idle.cpuSeconds) / idle.seconds).toFixed(1)}%`;
    };
    const etcd = { rows: rowsOf('etcd'), rss: rss.get('etcd') ?? '-' };
    const kv = { rows: rowsOf('kvstore'), rss: rss.get('kvstore') ?? '-' };

    console.log(`kvstore vs etcd 3.4: ${members} members each on loopback, one etcd3 client per system with all its endpoints;`);
    console.log(`${ops} ops per row (${KEY_BYTES}-byte keys, ${VALUE_BYTES}-byte values) after ${WARMUP_OPS} warm-up puts; member RSS after the run (MiB): etcd ${etcd.rss}, kvstore ${kv.rss};`);
    console.log(`each row ran on etcd, then on the kvstore, while the other cluster idled (its members' CPU meanwhile: etcd ${idleOf('etcd')}, kvstore ${idleOf('kvstore')} of a core);`);
    console.log(`1-min load average before/after: ${fmt(loadBefore, 1)}/${fmt(loadavg()[0] ?? NaN, 1)} on ${availableParallelism()} CPUs`);
    console.log('');
    console.log('| system | workload | ops/s | p50 ms | p90 ms | p99 ms | p99.9 ms | client CPU % | members CPU µs/op | entries per WAL sync |');
    console.log('|---|---|---:|---:|---:|---:|---:|---:|---:|---:|');
    for (const r of [...etcd.rows, ...kv.rows]) {
      const cpu = `${fmt(r.clientCpuPct, 0)} | ${fmt(r.memberCpuUsPerOp, 0)} | ${fmt(r.entriesPerSync, 1)}`;
      console.log(`| ${r.system} | ${r.workload} | ${fmt(r.result.ops / r.result.seconds, 0)} | ${fmt(r.result.p50, 2)} | ${fmt(r.result.p90, 2)} | ${fmt(r.result.p99, 2)} | ${fmt(r.result.p999, 2)} | ${cpu} |`);
    }
    console.log('');
    const ratios = WORKLOADS.map((w) => {
      const e = etcd.rows.find((r) => r.label === w.label)?.result;
      const k = kv.rows.find((r) => r.label === w.label)?.result;
      const ratio = e === undefined || k === undefined ? NaN : (k.ops / k.seconds) / (e.ops / e.seconds);
      return `${w.label}=${fmt(ratio, 2)}`;
    });
    console.log(`kvstore/etcd ratio: ${ratios.join(' ')}`);
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
