/**
 * One apiserver replica as a real process (`node packages/apiserver/dist/main.js`, the path
 * production takes): HTTPS on a random loopback port with the cluster PKI it creates under
 * `<dir>/pki`, the admin token it writes to `<dir>/tokens.csv` and the admin kubeconfig it writes
 * to `<dir>/admin.conf`. Tests talk to it over HTTPS as any client would: `request` and `watch`
 * here, kubectl, etcdctl on the store, @kubemu/client, @kubernetes/client-node.
 *
 * `restart()` stops the process and starts it again on the same port with the same PKI and token,
 * so clients configured from the kubeconfig reconnect as they would to a restarted kube-apiserver.
 */
import { existsSync, readFileSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import https from 'node:https';
import path from 'node:path';
import { repoRoot, waitFor } from './kubemu-project';
import { freePort, hasExited, spawnLogged, stopChild } from './store-process';
import type { Logged } from './store-process';

export const apiserverMain = path.join(repoRoot, 'packages', 'apiserver', 'dist', 'main.js');
export const haveApiserverBuild = existsSync(apiserverMain);

/** Response bodies: JSON read freely by tests, which assert on them. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- tests index into arbitrary JSON
export type Json = any;

export interface Reply {
  status: number;
  body: Json;
}

export interface WatchEvent {
  type: string;
  object: Json;
}

export class ApiServerProcess {
  private proc: Logged | undefined;
  token = '';
  caPem = '';
  readonly kubeconfig: string;
  readonly url: string;

  private constructor(readonly dir: string, readonly etcdServers: string[], readonly port: number) {
    this.kubeconfig = path.join(dir, 'admin.conf');
    this.url = `https://127.0.0.1:${port}`;
  }

  static async start(dir: string, etcdServers: string[]): Promise<ApiServerProcess> {
    await mkdir(dir, { recursive: true });
    const api = new ApiServerProcess(dir, etcdServers, await freePort());
    await api.launch();
    return api;
  }

  get pid(): number | undefined {
    return this.proc?.child.pid;
  }

  log(): string {
    return this.proc?.log() ?? '';
  }

  private async launch(): Promise<void> {
    const args = [
      apiserverMain, `--etcd-servers=${this.etcdServers.join(',')}`, `--secure-port=${this.port}`,
      '--bind-address=127.0.0.1', '--advertise-address=127.0.0.1', `--cert-dir=${path.join(this.dir, 'pki')}`,
      `--token-auth-file=${path.join(this.dir, 'tokens.csv')}`, `--admin-kubeconfig=${this.kubeconfig}`,
    ];
    const proc = spawnLogged(process.execPath, args, this.dir);
    this.proc = proc;
    const state = await waitFor('apiserver /readyz', async () => {
      if (hasExited(proc.child)) return 'exited';
      if (!existsSync(this.kubeconfig)) return undefined;
      this.token = readFileSync(path.join(this.dir, 'tokens.csv'), 'utf8').split(',')[0] ?? '';
      this.caPem = readFileSync(path.join(this.dir, 'pki', 'ca.crt'), 'utf8');
      const r = await this.request('GET', '/readyz');
      return r.status === 200 ? 'ready' : undefined;
    }, 45_000, 200).catch(async (err: unknown) => {
      await stopChild(proc.child);
      throw new Error(`${String(err)}\n${proc.log().slice(-3000)}`);
    });
    if (state === 'exited') throw new Error(`apiserver exited during startup:\n${proc.log().slice(-3000)}`);
  }

  /** Stops (SIGTERM) and starts again on the same port, PKI and token. */
  async restart(): Promise<void> {
    await this.stop();
    await this.launch();
  }

  async stop(): Promise<void> {
    if (this.proc !== undefined) await stopChild(this.proc.child);
  }

  /** One HTTPS request as the admin; a fresh connection each time (no agent state between tests). */
  request(method: string, urlPath: string, body?: unknown, headers: Record<string, string> = {}): Promise<Reply> {
    const payload = body === undefined ? undefined : Buffer.from(typeof body === 'string' ? body : JSON.stringify(body));
    return new Promise((resolve, reject) => {
      const req = https.request(
        `${this.url}${urlPath}`,
        {
          method,
          ca: this.caPem,
          agent: false,
          headers: {
            Authorization: `Bearer ${this.token}`,
            Accept: 'application/json',
            ...(payload === undefined ? {} : { 'Content-Type': 'application/json', 'Content-Length': String(payload.length) }),
            ...headers,
          },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('error', reject);
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            let parsed: Json = text;
            try {
              parsed = JSON.parse(text);
            } catch {
              // not JSON: keep the text
            }
            resolve({ status: res.statusCode ?? 0, body: parsed });
          });
        },
      );
      req.on('error', reject);
      req.end(payload);
    });
  }

  /**
   * A chunked watch (`?watch=1` is added): collects events until `enough(events)` or the
   * timeout, then closes the stream and returns what arrived. `ready` resolves once the server
   * answered the request (the watch is registered), so a test can then make changes.
   */
  watch(urlPath: string, enough: (events: WatchEvent[]) => boolean, timeoutMs = 10_000): { ready: Promise<void>; events: Promise<WatchEvent[]> } {
    const events: WatchEvent[] = [];
    let onReady: () => void = () => undefined;
    const ready = new Promise<void>((resolve) => (onReady = resolve));
    const done = new Promise<WatchEvent[]>((resolve, reject) => {
      const sep = urlPath.includes('?') ? '&' : '?';
      const req = https.get(`${this.url}${urlPath}${sep}watch=1`, { ca: this.caPem, agent: false, headers: { Authorization: `Bearer ${this.token}` } }, (res) => {
        onReady();
        if (res.statusCode !== 200) {
          res.resume();
          reject(new Error(`watch ${urlPath}: HTTP ${res.statusCode ?? 0}`));
          return;
        }
        let pending = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          pending += chunk;
          const lines = pending.split('\n');
          pending = lines.pop() ?? '';
          for (const line of lines) if (line.trim() !== '') events.push(JSON.parse(line) as WatchEvent);
          if (enough(events)) finish();
        });
        res.on('end', finish);
        res.on('error', finish);
      });
      const timer = setTimeout(() => finish(), timeoutMs);
      function finish(): void {
        clearTimeout(timer);
        req.destroy();
        resolve(events);
      }
      req.on('error', (err) => {
        onReady();
        clearTimeout(timer);
        reject(err);
      });
    });
    return { ready, events: done };
  }
}
