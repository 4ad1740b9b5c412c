/**
 * bench:kvstore-memory - the memory target, measured on real processes: one kvstore
 * member (single-member cluster) loaded with N keys of 256-byte values through the `etcd3`
 * client, then its resident set read from /proc/<pid>/status. The anchor is real etcd 3.4,
 * also a single member, loaded with the same keys in the same run.
 *
 * Keys are Kubernetes-like (`/registry/pods/default/pod-<i>`, ~35 bytes), written in txns of
 * 100 puts with 8 txns in flight (etcd's --max-txn-ops is 128). Each key is written once, so a
 * member holds N live keys and N revisions; the raft log and snapshots are the member's own
 * business (default --snapshot-count), as in production.
 *
 * A member's Raft log holds up to --snapshot-count entries between snapshots, so the size of
 * each txn changes the log's share of the RSS: --txn-puts 1 loads with single puts.
 *
 * Usage: npm run bench:kvstore-memory [-- --keys 1000000] [--txn-puts 100]
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Etcd3 } from 'etcd3';
import { cleanUpOnInterrupt, processMemory, startCluster } from './support/cluster';
import type { StoreKind } from './support/cluster';
import { VALUE_BYTES, closedLoop } from './support/workload';

const TXNS_IN_FLIGHT = 8;

interface Measured {
  kind: StoreKind;
  seconds: number;
  rss: number;
  hwm: number;
  /** Heap figures from the member's /metrics, when it exposes prom-client's default metrics. */
  heapUsed?: number;
  count: number;
}

const mib = (n: number): string => `${(n / 1048576).toFixed(0)} MiB`;

async function scrape(metricsURL: string, name: string): Promise<number | undefined> {
  try {
    const text = await (await fetch(`${metricsURL}/metrics`)).text();
    const m = new RegExp(`^${name}(?:\\{[^}]*\\})? ([0-9.e+]+)$`, 'm').exec(text);
    return m?.[1] === undefined ? undefined : Number(m[1]);
  } catch {
    return undefined;
  }
}

async function load(kind: StoreKind, keys: number, txnPuts: number, root: string): Promise<Measured> {
  const cluster = await startCluster({ kind, members: 1, root });
  const client = new Etcd3({ hosts: cluster.endpoints });
  const member = cluster.members[0];
  if (member === undefined) throw new Error('unreachable: cluster without members');
  try {
    const value = Buffer.alloc(VALUE_BYTES, 0x76);
    const txns = Math.ceil(keys / txnPuts);
    let reported = 0;
    const run = await closedLoop(txns, TXNS_IN_FLIGHT, async (t) => {
      const success = [];
      for (let i = t * txnPuts; i < Math.min(keys, (t + 1) * txnPuts); i++) {
        success.push({ request_put: { key: Buffer.from(`/registry/pods/default/pod-${i}`), value } });
      }
      await client.kv.txn({ success });
      const done = (t + 1) * txnPuts;
      if (done - reported >= 100_000) {
        reported = done;
        console.error(`  ${kind}: ${done} keys, rss ${mib((await processMemory(member.pid)).rss)}`);
      }
    });
    const count = Number((await client.kv.range({ key: Buffer.from('/registry/pods/'), range_end: Buffer.from('/registry/pods0'), count_only: true })).count);
    // Give the member a moment to finish background work (snapshot, GC) before reading its RSS.
    await new Promise((r) => setTimeout(r, 3000));
    const mem = await processMemory(member.pid);
    const heapUsed = await scrape(member.metricsURL, 'nodejs_heap_size_used_bytes');
    return { kind, seconds: run.seconds, rss: mem.rss, hwm: mem.hwm, count, ...(heapUsed === undefined ? {} : { heapUsed }) };
  } finally {
    client.close();
    await cluster.stop();
  }
}

async function main(): Promise<void> {
  const i = process.argv.indexOf('--keys');
  const keys = i >= 0 ? Number(process.argv[i + 1]) : 1_000_000;
  const j = process.argv.indexOf('--txn-puts');
  const txnPuts = j >= 0 ? Number(process.argv[j + 1]) : 100;
  const root = await mkdtemp(path.join(tmpdir(), 'kubemu-bench-kvmem-'));
  cleanUpOnInterrupt(root);
  try {
    const results: Measured[] = [];
    for (const kind of ['kvstore', 'etcd'] as const) results.push(await load(kind, keys, txnPuts, root));
    console.log(`kvstore-memory: one member of each (single-member clusters, not 3), ${keys} keys of ~35 bytes with ${VALUE_BYTES}-byte values,`);
    console.log(`written through the etcd3 client in txns of ${txnPuts} put(s), ${TXNS_IN_FLIGHT} in flight; RSS read from /proc/<pid>/status 3 s after the load`);
    console.log('');
    console.log('| system | keys held | load s | RSS | peak RSS (VmHWM) | JS heap used |');
    console.log('|---|---:|---:|---:|---:|---:|');
    for (const r of results) {
      console.log(`| ${r.kind} | ${r.count} | ${r.seconds.toFixed(1)} | ${mib(r.rss)} | ${mib(r.hwm)} | ${r.heapUsed === undefined ? 'n/a' : mib(r.heapUsed)} |`);
    }
    console.log('');
    const kv = results.find((r) => r.kind === 'kvstore');
    const etcd = results.find((r) => r.kind === 'etcd');
    console.log(`anchor: etcd 3.4 member RSS with ${keys} keys: ${etcd === undefined ? 'n/a' : mib(etcd.rss)}`);
    console.log(`kvstore member RSS with ${keys} keys: ${kv === undefined ? 'n/a' : (kv.rss / 1048576).toFixed(0)} MiB`);
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
