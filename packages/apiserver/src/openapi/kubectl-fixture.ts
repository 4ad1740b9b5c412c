// For tests judged by the real kubectl: a bare HTTP server that answers legacy discovery from
// RESOURCES and hands every other request to the test's route, and a runner for kubectl pointed at
// it with a private cache and an empty kubeconfig.
import { execFile, execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { IncomingMessage, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { RESOURCES, apiVersionOf } from '@kubemu/api';

/** Whether a kubectl binary is on PATH (tests judged by it are skipped otherwise). */
export function kubectlAvailable(): boolean {
  try {
    execFileSync('kubectl', ['version', '--client'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

export interface SeenRequest {
  method: string;
  url: string;
  accept: string;
  contentType: string;
  body: string;
}

export interface Reply {
  code: number;
  body: unknown;
  /** application/json unless given; a Uint8Array body is sent as is. */
  contentType?: string;
}

export type Route = (req: IncomingMessage, url: URL, body: string) => Reply | undefined;

export interface KubectlResult {
  code: number;
  stdout: string;
  stderr: string;
}

function groupVersions(): { group: string; version: string }[] {
  const out: { group: string; version: string }[] = [];
  for (const r of RESOURCES) if (!out.some((g) => g.group === r.group && g.version === r.version)) out.push({ group: r.group, version: r.version });
  return out;
}

function resourceList(group: string, version: string): unknown {
  return {
    kind: 'APIResourceList',
    apiVersion: 'v1',
    groupVersion: apiVersionOf({ group, version }),
    resources: RESOURCES.filter((r) => r.group === group && r.version === version).map((r) => ({
      name: r.resource,
      singularName: r.singular,
      namespaced: r.namespaced,
      kind: r.kind,
      verbs: r.verbs,
      shortNames: r.shortNames,
      categories: r.categories,
    })),
  };
}

function discovery(p: string): unknown {
  if (p === '/api') return { kind: 'APIVersions', versions: ['v1'], serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress: 'x' }] };
  if (p === '/apis') {
    const groups = groupVersions().filter((g) => g.group !== '');
    return {
      kind: 'APIGroupList',
      apiVersion: 'v1',
      groups: [...new Set(groups.map((g) => g.group))].map((name) => {
        const versions = groups.filter((g) => g.group === name).map((g) => ({ groupVersion: `${name}/${g.version}`, version: g.version }));
        return { name, versions, preferredVersion: versions[0] };
      }),
    };
  }
  if (p === '/api/v1') return resourceList('', 'v1');
  const m = /^\/apis\/([^/]+)\/([^/]+)$/.exec(p);
  return m ? resourceList(m[1] ?? '', m[2] ?? '') : undefined;
}

export class KubectlFixture {
  readonly seen: SeenRequest[] = [];
  private server: Server | undefined;
  private workDir: string | undefined;

  constructor(private readonly route: Route) {}

  /** A private directory (kubectl's cache and kubeconfig; files a test writes), from start() to stop(). */
  get dir(): string {
    if (this.workDir === undefined) throw new Error('KubectlFixture: not started');
    return this.workDir;
  }

  async start(): Promise<void> {
    this.workDir = mkdtempSync(path.join(tmpdir(), 'kubemu-kubectl-'));
    writeFileSync(path.join(this.workDir, 'kubeconfig'), '');
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8');
        const url = new URL(req.url ?? '/', 'http://x');
        this.seen.push({ method: req.method ?? '', url: req.url ?? '', accept: String(req.headers.accept ?? ''), contentType: String(req.headers['content-type'] ?? ''), body });
        const d = req.method === 'GET' ? discovery(url.pathname) : undefined;
        const reply: Reply = d !== undefined ? { code: 200, body: d } : (this.route(req, url, body) ?? { code: 404, body: { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: 'not found', reason: 'NotFound', code: 404 } });
        res.writeHead(reply.code, { 'Content-Type': reply.contentType ?? 'application/json' });
        res.end(reply.body instanceof Uint8Array ? Buffer.from(reply.body) : JSON.stringify(reply.body));
      });
    });
    const server = this.server;
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  }

  async stop(): Promise<void> {
    const server = this.server;
    if (server !== undefined) await new Promise<void>((resolve) => server.close(() => resolve()));
    if (this.workDir !== undefined) rmSync(this.workDir, { recursive: true, force: true });
  }

  kubectl(...args: string[]): Promise<KubectlResult> {
    const port = (this.server?.address() as AddressInfo).port;
    const all = ['--server', `http://127.0.0.1:${port}`, '--cache-dir', path.join(this.dir, 'cache'), ...args];
    return new Promise((resolve) => {
      execFile('kubectl', all, { env: { ...process.env, KUBECONFIG: path.join(this.dir, 'kubeconfig') } }, (err, stdout, stderr) => {
        resolve({ code: err === null ? 0 : typeof err.code === 'number' ? err.code : 1, stdout, stderr });
      });
    });
  }
}
