// Real processes for end-to-end tests: a store (real etcd, or a kvstore member), an apiserver
// (`node packages/apiserver/dist/main.js`, HTTPS with its generated CA and the admin kubeconfig it
// writes), and any component main (the scheduler, the controller-manager) with its flags.
//
// Invariant: every child started here is killed (SIGKILL) when the test process exits, even if
// the test never reached its stop(); stop() itself sends SIGTERM first and waits for the exit.
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { createWriteStream, existsSync, mkdtempSync } from 'node:fs';
import { readFile, rm } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

/** The repository root, from this file in packages/testkit/{src,dist}. */
export const REPO_ROOT = path.resolve(__dirname, '..', '..', '..');
export const ETCD_BIN = process.env.ETCD_BIN ?? '/usr/bin/etcd';
const APISERVER_MAIN = path.join(REPO_ROOT, 'packages', 'apiserver', 'dist', 'main.js');
const KVSTORE_MAIN = path.join(REPO_ROOT, 'packages', 'kvstore', 'dist', 'main.js');

const live = new Set<ChildProcess>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const c of live) c.kill('SIGKILL');
  });
}

export interface Proc {
  name: string;
  pid: number;
  logFile: string;
  child: ChildProcess;
  /** Resolves with the exit code (or null when killed by a signal). */
  exited: Promise<number | null>;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves once the process is gone. */
  stop(graceMs?: number): Promise<void>;
  /** SIGKILL at once (a crash). */
  kill(): Promise<void>;
  /** The last lines of its log, for failure messages. */
  tail(lines?: number): Promise<string>;
}

/** Starts `cmd args` with stdout and stderr going to `<dir>/<name>.log`. */
export function startProcess(name: string, cmd: string, args: string[], dir: string, env: NodeJS.ProcessEnv = {}): Proc {
  installExitHook();
  const logFile = path.join(dir, `${name}.log`);
  const out = createWriteStream(logFile);
  const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], cwd: dir, env: { ...process.env, ...env } });
  child.stdout?.pipe(out);
  child.stderr?.pipe(out);
  live.add(child);
  const exited = new Promise<number | null>((resolve) => {
    child.once('exit', (code) => {
      live.delete(child);
      resolve(code);
    });
  });
  const gone = (): boolean => child.exitCode !== null || child.signalCode !== null;
  const proc: Proc = {
    name,
    pid: child.pid ?? -1,
    logFile,
    child,
    exited,
    async stop(graceMs = 10_000) {
      if (gone()) return;
      child.kill('SIGTERM');
      const t = setTimeout(() => child.kill('SIGKILL'), graceMs);
      await exited;
      clearTimeout(t);
    },
    async kill() {
      if (gone()) return;
      child.kill('SIGKILL');
      await exited;
    },
    async tail(lines = 20) {
      return (await readFile(logFile, 'utf8').catch(() => '')).split('\n').slice(-lines).join('\n');
    },
  };
  return proc;
}

/** A port the OS had free a moment ago (loopback). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

/** Polls `cond` every `intervalMs` until it holds; throws `what` after `timeoutMs`. */
export async function waitFor(cond: () => boolean | Promise<boolean>, what: string, timeoutMs = 30_000, intervalMs = 100): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      if (await cond()) return;
    } catch {
      // not yet
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

export interface Store {
  endpoint: string;
  proc: Proc;
}

/** One store member on loopback: real etcd when installed (or `kind` says so), else a kvstore member. */
export async function startStore(dir: string, kind: 'etcd' | 'kvstore' = existsSync(ETCD_BIN) ? 'etcd' : 'kvstore'): Promise<Store> {
  const [client, peer, metrics] = [await freePort(), await freePort(), await freePort()];
  const url = `http://127.0.0.1:${client}`;
  const peerUrl = `http://127.0.0.1:${peer}`;
  const flags = [
    '--name=store-0', `--data-dir=${path.join(dir, 'store-data')}`,
    `--listen-client-urls=${url}`, `--advertise-client-urls=${url}`,
    `--listen-peer-urls=${peerUrl}`, `--initial-advertise-peer-urls=${peerUrl}`,
    `--initial-cluster=store-0=${peerUrl}`, '--initial-cluster-state=new', `--listen-metrics-urls=http://127.0.0.1:${metrics}`,
  ];
  const proc = kind === 'etcd' ? startProcess('store', ETCD_BIN, flags, dir) : startProcess('store', process.execPath, [KVSTORE_MAIN, ...flags], dir);
  await waitFor(async () => (await fetch(`http://127.0.0.1:${metrics}/health`)).ok || (await fetch(`${url}/health`)).ok, `the store at ${url}`, 30_000, 200).catch(async (err: unknown) => {
    await proc.kill();
    throw new Error(`${(err as Error).message}\n${await proc.tail()}`);
  });
  return { endpoint: url, proc };
}

export interface ApiServer {
  url: string;
  /** The admin kubeconfig the apiserver wrote (system:masters token, the cluster CA). */
  kubeconfig: string;
  proc: Proc;
}

/** One apiserver replica over `etcdServers`, HTTPS on a free loopback port. */
export async function startApiServer(dir: string, etcdServers: string[], extraFlags: string[] = []): Promise<ApiServer> {
  const port = await freePort();
  const kubeconfig = path.join(dir, 'admin.conf');
  const proc = startProcess('apiserver', process.execPath, [
    APISERVER_MAIN, `--etcd-servers=${etcdServers.join(',')}`, `--secure-port=${port}`, '--bind-address=127.0.0.1',
    '--advertise-address=127.0.0.1', `--cert-dir=${path.join(dir, 'pki')}`, `--token-auth-file=${path.join(dir, 'tokens.csv')}`,
    `--admin-kubeconfig=${kubeconfig}`, ...extraFlags,
  ], dir);
  const url = `https://127.0.0.1:${port}`;
  await waitFor(() => existsSync(kubeconfig) && proc.child.exitCode === null, 'the apiserver to write its kubeconfig', 60_000, 200).catch(async (err: unknown) => {
    await proc.kill();
    throw new Error(`${(err as Error).message}\n${await proc.tail()}`);
  });
  return { url, kubeconfig, proc };
}

export interface ControlPlane {
  dir: string;
  store: Store;
  apiserver: ApiServer;
  kubeconfig: string;
  /** Stops the apiserver and the store, and removes `dir`. */
  stop(): Promise<void>;
}

/** A store and an apiserver in a fresh temp dir. */
export async function startControlPlane(prefix = 'kubemu-e2e-'): Promise<ControlPlane> {
  const dir = mkdtempSync(path.join(os.tmpdir(), prefix));
  const store = await startStore(dir);
  let apiserver: ApiServer;
  try {
    apiserver = await startApiServer(dir, [store.endpoint]);
  } catch (err) {
    await store.proc.stop();
    throw err;
  }
  return {
    dir,
    store,
    apiserver,
    kubeconfig: apiserver.kubeconfig,
    async stop() {
      await apiserver.proc.stop();
      await store.proc.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** `node packages/<pkg>/dist/<main>.js ...flags` as a child logging to `<dir>/<name>.log`. */
export function startComponent(name: string, pkg: string, flags: string[], dir: string, main = 'main.js'): Proc {
  return startProcess(name, process.execPath, [path.join(REPO_ROOT, 'packages', pkg, 'dist', main), ...flags], dir);
}
