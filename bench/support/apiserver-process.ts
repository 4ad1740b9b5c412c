/**
 * Starts one apiserver replica as a child process (`node packages/apiserver/dist/main.js`) with
 * kube-apiserver's flags: HTTPS on a free loopback port, the cluster PKI under `<dir>/pki`, a token
 * file whose first line becomes the admin token, and the admin kubeconfig written by the server.
 *
 * Invariant: the child is stopped by `stop()` (SIGTERM so that `--cpu-prof` can write its profile,
 * SIGKILL after a grace period), and killed synchronously if the bench exits or is interrupted
 * before reaching `stop()`.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { createWriteStream, existsSync } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { REPO_ROOT, freePort } from './cluster';
import { ApiConnection } from './https-client';
import type { ApiCredentials } from './https-client';

const APISERVER_MAIN = path.join(REPO_ROOT, 'packages', 'apiserver', 'dist', 'main.js');

export interface ApiServerProcessOptions {
  /** Directory for the PKI, token file, kubeconfig and log (created if missing). */
  dir: string;
  etcdServers: string[];
  /** Extra node flags (e.g. --cpu-prof --cpu-prof-dir=DIR). */
  nodeFlags?: string[];
  /** --nats-url: Events in NATS JetStream, as compose.yaml runs it (without it, Events go to the store). */
  natsUrl?: string;
}

export interface ApiServerProcess extends ApiCredentials {
  pid: number;
  kubeconfig: string;
  logFile: string;
  stop(): Promise<void>;
}

const live = new Set<ChildProcess>();
const killAll = (): void => {
  for (const child of live) child.kill('SIGKILL');
  live.clear();
};
process.on('exit', killAll);
// Ahead of cluster.ts's interrupt handler, which removes the temp dir this process writes into.
process.prependListener('SIGINT', killAll);
process.prependListener('SIGTERM', killAll);

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

async function tail(file: string): Promise<string> {
  return (await readFile(file, 'utf8').catch(() => '')).split('\n').slice(-10).join('\n');
}

export async function startApiServerProcess(opts: ApiServerProcessOptions): Promise<ApiServerProcess> {
  await mkdir(opts.dir, { recursive: true });
  const port = await freePort();
  const kubeconfig = path.join(opts.dir, 'admin.conf');
  const tokenFile = path.join(opts.dir, 'tokens.csv');
  const logFile = path.join(opts.dir, 'apiserver.log');
  const args = [
    ...(opts.nodeFlags ?? []), APISERVER_MAIN,
    `--etcd-servers=${opts.etcdServers.join(',')}`, `--secure-port=${port}`, '--bind-address=127.0.0.1',
    '--advertise-address=127.0.0.1', `--cert-dir=${path.join(opts.dir, 'pki')}`,
    `--token-auth-file=${tokenFile}`, `--admin-kubeconfig=${kubeconfig}`,
    ...(opts.natsUrl !== undefined ? [`--nats-url=${opts.natsUrl}`] : []),
  ];
  const out = createWriteStream(logFile);
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'], cwd: opts.dir });
  child.stdout?.pipe(out);
  child.stderr?.pipe(out);
  live.add(child);
  const stop = async (): Promise<void> => {
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
    await exited(child);
    clearTimeout(timer);
    live.delete(child);
  };
  try {
    if (child.pid === undefined) throw new Error(`could not start ${APISERVER_MAIN}`);
    const creds = await waitServing(child, port, kubeconfig, tokenFile, path.join(opts.dir, 'pki', 'ca.crt'), logFile);
    return { ...creds, pid: child.pid, kubeconfig, logFile, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}

/** Serving means the kubeconfig is written (after bootstrap) and /readyz answers 200 to the admin. */
async function waitServing(child: ChildProcess, port: number, kubeconfig: string, tokenFile: string, caFile: string, logFile: string): Promise<ApiCredentials> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`apiserver exited during startup:\n${await tail(logFile)}`);
    if (existsSync(kubeconfig)) {
      const token = (await readFile(tokenFile, 'utf8')).split(',')[0] ?? '';
      const creds = { url: `https://127.0.0.1:${port}`, token, caPem: await readFile(caFile, 'utf8') };
      const conn = new ApiConnection(creds);
      try {
        if ((await conn.request('GET', '/readyz')).status === 200) return creds;
      } catch {
        // not yet
      } finally {
        conn.close();
      }
    }
    if (Date.now() > deadline) throw new Error(`apiserver not serving within 60 s:\n${await tail(logFile)}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}
