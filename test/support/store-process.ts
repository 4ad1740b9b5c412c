/**
 * One store member as a child process on random loopback ports, with a temp data dir: either the
 * real etcd 3.4 (/usr/bin/etcd) or the kvstore (`node packages/kvstore/dist/main.js`), both started
 * with the same etcd flags, so a test can run the same checks against the apiserver on either.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { EtcdClient } from '@kubemu/kvstore';
import { ETCDCTL, kvstoreMain } from './kvstore-cluster';
import { run, waitFor } from './kubemu-project';
import type { Run } from './kubemu-project';
import { freePort } from '@kubemu/testkit';

/** A port the OS had free a moment ago (loopback): testkit's. */
export { freePort };

export type StoreKind = 'kvstore' | 'etcd';

export const ETCD_BIN = process.env['ETCD_BIN'] ?? '/usr/bin/etcd';
export const haveEtcd = existsSync(ETCD_BIN);

/** A child process that writes its output to a buffer kept for error messages. */
export interface Logged {
  child: ChildProcess;
  log(): string;
}

export function spawnLogged(file: string, args: string[], cwd: string): Logged {
  let out = '';
  const child = spawn(file, args, { stdio: ['ignore', 'pipe', 'pipe'], cwd });
  const keep = (d: Buffer): void => {
    out = (out + d.toString()).slice(-20_000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  return { child, log: () => out };
}

export function hasExited(child: ChildProcess): boolean {
  return child.exitCode !== null || child.signalCode !== null;
}

/** SIGTERM, then SIGKILL after `graceMs`; resolves once the process is gone. */
export async function stopChild(child: ChildProcess, graceMs = 10_000): Promise<void> {
  if (hasExited(child)) return;
  const gone = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await gone;
  clearTimeout(timer);
}

export interface StoreProcess {
  kind: StoreKind;
  /** http://127.0.0.1:<client port>, what --etcd-servers takes. */
  endpoint: string;
  dataDir: string;
  /** etcdctl 3.4 against this member. */
  etcdctl(args: string[]): Promise<Run>;
  stop(): Promise<void>;
}

export async function startStore(kind: StoreKind, dir: string): Promise<StoreProcess> {
  const [client, peer, metrics] = [await freePort(), await freePort(), await freePort()];
  const dataDir = path.join(dir, `${kind}-data`);
  await mkdir(dataDir, { recursive: true });
  const clientURL = `http://127.0.0.1:${client}`;
  const peerURL = `http://127.0.0.1:${peer}`;
  const flags = [
    `--name=${kind}-0`, `--data-dir=${dataDir}`,
    `--listen-client-urls=${clientURL}`, `--advertise-client-urls=${clientURL}`,
    `--listen-peer-urls=${peerURL}`, `--initial-advertise-peer-urls=${peerURL}`,
    `--initial-cluster=${kind}-0=${peerURL}`, '--initial-cluster-state=new', `--initial-cluster-token=test-${process.pid}`,
    `--listen-metrics-urls=http://127.0.0.1:${metrics}`,
  ];
  const proc = kind === 'etcd' ? spawnLogged(ETCD_BIN, flags, dir) : spawnLogged(process.execPath, [kvstoreMain, ...flags], dir);
  const stop = (): Promise<void> => stopChild(proc.child);
  try {
    const probe = new EtcdClient({ endpoints: [`127.0.0.1:${client}`], requestTimeoutMs: 1000 });
    try {
      // A linearizable range succeeds once the member has a leader and serves.
      const state = await waitFor(`${kind} serving on ${clientURL}`, async () => {
        if (hasExited(proc.child)) return 'exited';
        await probe.range({ key: Buffer.from('ready-probe') });
        return 'serving';
      }, 30_000, 200);
      if (state === 'exited') throw new Error(`${kind} exited during startup`);
    } finally {
      probe.close();
    }
  } catch (err) {
    await stop();
    throw new Error(`${kind} did not start: ${String(err)}\n${proc.log().slice(-3000)}`);
  }
  return {
    kind,
    endpoint: clientURL,
    dataDir,
    etcdctl: (args) => run(ETCDCTL, [`--endpoints=${clientURL}`, '--dial-timeout=3s', '--command-timeout=5s', ...args], { env: { ...process.env, ETCDCTL_API: '3' } }),
    stop,
  };
}
