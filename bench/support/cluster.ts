/**
 * Starts real store clusters for the benches: N members of either real etcd (/usr/bin/etcd) or
 * the kvstore (`node packages/kvstore/dist/main.js`, with the node flags compose.yaml gives it),
 * each a child process on loopback with its own free ports and a data dir under `root`, started
 * with etcd's own flags so that both systems are launched the same way.
 *
 * Invariant: every process started here is stopped by `stop()` (SIGTERM, then SIGKILL after a
 * grace period), and by a synchronous SIGKILL on bench exit if `stop()` was never reached.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { createWriteStream, rmSync } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { Etcd3 } from 'etcd3';
import { KVSTORE_NODE_FLAGS } from '@kubemu/kvstore';
import { freePort } from '@kubemu/testkit';

/** A port the OS had free a moment ago (loopback): testkit's. */
export { freePort };

export type StoreKind = 'etcd' | 'kvstore';

export const REPO_ROOT = path.resolve(__dirname, '..', '..', '..');
const ETCD_BIN = process.env.ETCD_BIN ?? '/usr/bin/etcd';
const KVSTORE_MAIN = path.join(REPO_ROOT, 'packages', 'kvstore', 'dist', 'main.js');

export interface ClusterOptions {
  kind: StoreKind;
  members: number;
  root: string;
  /** Extra node flags for kvstore members (e.g. --cpu-prof); ignored for etcd. */
  nodeFlags?: string[];
}

export interface RunningMember {
  name: string;
  pid: number;
  clientURL: string;
  metricsURL: string;
  logFile: string;
}

export interface Cluster {
  kind: StoreKind;
  members: RunningMember[];
  endpoints: string[];
  stop(): Promise<void>;
}

const live = new Set<ChildProcess>();

/** Synchronous last resort for exit paths that cannot await `Cluster.stop()`. */
export function killAllMembers(): void {
  for (const child of live) child.kill('SIGKILL');
  live.clear();
}
process.on('exit', killAllMembers);

/** On Ctrl-C or SIGTERM: the members go first (SIGKILL), then their data under `root`. */
export function cleanUpOnInterrupt(root: string): void {
  const cleanup = (): void => {
    killAllMembers();
    rmSync(root, { recursive: true, force: true });
    process.exit(130);
  };
  process.once('SIGINT', cleanup);
  process.once('SIGTERM', cleanup);
}

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

async function stopChild(child: ChildProcess, graceMs: number): Promise<void> {
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await exited(child);
  clearTimeout(timer);
  live.delete(child);
}

export async function startCluster(opts: ClusterOptions): Promise<Cluster> {
  const names = Array.from({ length: opts.members }, (_, i) => `${opts.kind}-${i}`);
  const ports: { client: number; peer: number; metrics: number }[] = [];
  for (let i = 0; i < names.length; i++) ports.push({ client: await freePort(), peer: await freePort(), metrics: await freePort() });
  const peerURL = (i: number): string => `http://127.0.0.1:${ports[i]?.peer ?? 0}`;
  const initialCluster = names.map((n, i) => `${n}=${peerURL(i)}`).join(',');
  const token = `bench-${opts.kind}-${process.pid}`;

  const children: ChildProcess[] = [];
  const members: RunningMember[] = [];
  const stop = async (): Promise<void> => {
    await Promise.all(children.map((c) => stopChild(c, 10_000)));
  };
  try {
    for (const [i, name] of names.entries()) {
      const p = ports[i];
      if (p === undefined) throw new Error('unreachable: no ports for member');
      const dataDir = path.join(opts.root, opts.kind, name);
      await mkdir(dataDir, { recursive: true });
      const clientURL = `http://127.0.0.1:${p.client}`;
      const metricsURL = `http://127.0.0.1:${p.metrics}`;
      const flags = [
        `--name=${name}`, `--data-dir=${dataDir}`,
        `--listen-client-urls=${clientURL}`, `--advertise-client-urls=${clientURL}`,
        `--listen-peer-urls=${peerURL(i)}`, `--initial-advertise-peer-urls=${peerURL(i)}`,
        `--initial-cluster=${initialCluster}`, '--initial-cluster-state=new', `--initial-cluster-token=${token}`,
        `--listen-metrics-urls=${metricsURL}`,
      ];
      const [cmd, args] = opts.kind === 'etcd'
        ? [ETCD_BIN, flags]
        : [process.execPath, [...KVSTORE_NODE_FLAGS, ...(opts.nodeFlags ?? []), KVSTORE_MAIN, ...flags]];
      const logFile = path.join(opts.root, opts.kind, `${name}.log`);
      const out = createWriteStream(logFile);
      const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], cwd: dataDir });
      child.stdout?.pipe(out);
      child.stderr?.pipe(out);
      live.add(child);
      children.push(child);
      if (child.pid === undefined) throw new Error(`could not start ${cmd}`);
      members.push({ name, pid: child.pid, clientURL, metricsURL, logFile });
    }
    const endpoints = members.map((m) => m.clientURL);
    await waitReady(endpoints, children, members, 30_000);
    return { kind: opts.kind, members, endpoints, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}

/** Ready means a linearizable read succeeds through every member (so a leader exists and each member serves). */
async function waitReady(endpoints: string[], children: ChildProcess[], members: RunningMember[], timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (const endpoint of endpoints) {
    const client = new Etcd3({ hosts: endpoint, dialTimeout: 2000 });
    try {
      for (;;) {
        const dead = children.findIndex((c) => c.exitCode !== null || c.signalCode !== null);
        if (dead >= 0) {
          const m = members[dead];
          const tail = m === undefined ? '' : (await readFile(m.logFile, 'utf8')).split('\n').slice(-8).join('\n');
          throw new Error(`member ${m?.name ?? dead} exited during startup:\n${tail}`);
        }
        try {
          await client.get('bench-ready').string();
          break;
        } catch (err) {
          if (Date.now() > deadline) throw new Error(`${endpoint} not ready within ${timeoutMs} ms: ${String(err)}`);
          await new Promise((r) => setTimeout(r, 200));
        }
      }
    } finally {
      client.close();
    }
  }
}

/**
 * CPU time a process used so far, all its threads, user and system, from /proc (Linux), in
 * seconds. /proc reports it in USER_HZ ticks, which the kernel ABI fixes at 100 per second.
 */
export async function processCpuSeconds(pid: number): Promise<number> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
  // Fields after the parenthesised command name (which may itself hold spaces): utime is the
  // 14th field of the line, stime the 15th.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/** Resident and peak resident set of a process, from /proc (Linux), in bytes. */
export async function processMemory(pid: number): Promise<{ rss: number; hwm: number }> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const kib = (field: string): number => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN) * 1024;
  return { rss: kib('VmRSS'), hwm: kib('VmHWM') };
}
