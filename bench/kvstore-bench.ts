/**
 * bench:kvstore - the kvstore against real etcd 3.4, same workload, same client, same run.
 *
 * Each system runs as a cluster of real processes on loopback (temp data dirs, etcd's flags),
 * one system after the other so they never compete for the CPUs. Through one `etcd3` client
 * configured with all members' endpoints: 20,000 puts (8-byte keys, 256-byte values) at 1, 16
 * and 256 in flight, then 20,000 linearizable gets at 16 in flight. The last line of output is
 * the machine-readable ratio `kvstore/etcd ratio: c1=X c16=Y c256=Z get16=W` (ops/s ÷ ops/s).
 *
 * Each row also reports the CPU each side burnt: the client's (% of one core) and the members'
 * (all threads of all members, µs per operation). On the 2 shared cores of a CI box the members
 * and the client compete for CPU, so a member's cost per operation shows in everyone's latency.
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
import type { StoreKind } from './support/cluster';
import { KEY_BYTES, VALUE_BYTES, gets, puts } from './support/workload';
import type { RunResult } from './support/workload';

interface Row {
  system: StoreKind;
  workload: string;
  label: string;
  result: RunResult;
  /** The bench client's CPU over the row, in % of one core. */
  clientCpuPct: number;
  /** CPU of all members over the row, in µs per operation. */
  memberCpuUsPerOp: number;
}

const WORKLOADS = [
  { name: 'put c1', label: 'c1', inflight: 1, phase: 'a' },
  { name: 'put c16', label: 'c16', inflight: 16, phase: 'b' },
  { name: 'put c256', label: 'c256', inflight: 256, phase: 'c' },
  // Reads the keys the c256 row wrote.
  { name: 'get c16 (linearizable)', label: 'get16', inflight: 16, phase: 'c' },
] as const;
const WARMUP_OPS = 200;

function flag(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

async function benchSystem(
  kind: StoreKind,
  members: number,
  ops: number,
  root: string,
  workloads: ReadonlyArray<(typeof WORKLOADS)[number]>,
  cpuProfDir: string | undefined,
): Promise<{ rows: Row[]; rss: string }> {
  const nodeFlags = kind === 'kvstore' && cpuProfDir !== undefined ? ['--cpu-prof', `--cpu-prof-dir=${cpuProfDir}`] : [];
  const cluster = await startCluster({ kind, members, root, nodeFlags });
  const client = new Etcd3({ hosts: cluster.endpoints });
  const value = Buffer.alloc(VALUE_BYTES, 0x61);
  const rows: Row[] = [];
  try {
    // Warm up connections, JITs and the leader's pipelines before the first timed row.
    await puts(client, 'w', WARMUP_OPS, 16, value);
    const memberCpu = (): Promise<number[]> => Promise.all(cluster.members.map((m) => processCpuSeconds(m.pid)));
    for (const w of workloads) {
      const [client0, members0] = [process.cpuUsage(), await memberCpu()];
      const result = w.label === 'get16'
        ? await gets(client, w.phase, ops, w.inflight, ops)
        : await puts(client, w.phase, ops, w.inflight, value);
      const [client1, members1] = [process.cpuUsage(client0), await memberCpu()];
      const memberSeconds = members1.reduce((sum, s, i) => sum + s - (members0[i] ?? 0), 0);
      const row: Row = {
        system: kind,
        workload: w.name,
        label: w.label,
        result,
        clientCpuPct: (client1.user + client1.system) / 1e4 / result.seconds,
        memberCpuUsPerOp: (memberSeconds * 1e6) / result.ops,
      };
      rows.push(row);
      console.error(`  ${kind} ${w.name}: ${(result.ops / result.seconds).toFixed(0)} ops/s, client CPU ${row.clientCpuPct.toFixed(0)}%, members ${row.memberCpuUsPerOp.toFixed(0)} µs/op`);
    }
    const mems = await Promise.all(cluster.members.map((m) => processMemory(m.pid)));
    const rss = mems.map((m) => `${(m.rss / 1048576).toFixed(0)}`).join('/');
    return { rows, rss };
  } finally {
    client.close();
    await cluster.stop();
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
    const skipped = { rows: [], rss: '-' };
    const etcd = only === 'kvstore' ? skipped : await benchSystem('etcd', members, ops, root, workloads, undefined);
    const kv = only === 'etcd' ? skipped : await benchSystem('kvstore', members, ops, root, workloads, cpuProf === undefined ? undefined : path.resolve(cpuProf));

    console.log(`kvstore vs etcd 3.4: ${members} members each on loopback, one after the other, one etcd3 client with all endpoints;`);
    console.log(`${ops} ops per row (${KEY_BYTES}-byte keys, ${VALUE_BYTES}-byte values) after ${WARMUP_OPS} warm-up puts; member RSS after the run (MiB): etcd ${etcd.rss}, kvstore ${kv.rss};`);
    console.log(`1-min load average before/after: ${fmt(loadBefore, 1)}/${fmt(loadavg()[0] ?? NaN, 1)} on ${availableParallelism()} CPUs`);
    console.log('');
    console.log('| system | workload | ops/s | p50 ms | p99 ms | client CPU % | members CPU µs/op |');
    console.log('|---|---|---:|---:|---:|---:|---:|');
    for (const r of [...etcd.rows, ...kv.rows]) {
      const cpu = `${fmt(r.clientCpuPct, 0)} | ${fmt(r.memberCpuUsPerOp, 0)}`;
      console.log(`| ${r.system} | ${r.workload} | ${fmt(r.result.ops / r.result.seconds, 0)} | ${fmt(r.result.p50, 2)} | ${fmt(r.result.p99, 2)} | ${cpu} |`);
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
