/**
 * The control plane of the repo's own compose.yaml (three kvstore members, nats, apiserver-0 and
 * apiserver-1) run by the `kubemu` launcher, for end-to-end tests judged by kubectl and etcdctl from
 * the host. The compose file is the real one, changed only where a temp directory demands it: a
 * project name of its own and absolute paths to the built mains (processes run in the compose
 * file's directory). So a test of this cluster is also a test of what `npm run up` starts.
 */
import { execFile, spawnSync } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { ETCDCTL } from './kvstore-cluster';
import { KubemuProject, repoRoot, run, uniqueProject, waitFor } from './kubemu-project';
import type { Run } from './kubemu-project';

export const KUBECTL = process.env['KUBECTL_BIN'] ?? 'kubectl';
export const haveKubectl = spawnSync(KUBECTL, ['version', '--client'], { stdio: 'ignore' }).status === 0;

export const APISERVERS = ['apiserver-0', 'apiserver-1'] as const;
export type ApiServerName = (typeof APISERVERS)[number];
const ETCD_MEMBERS = ['etcd-0', 'etcd-1', 'etcd-2'];
const SECURE_PORT = 6443;

/** compose.yaml for a project in another directory: its own name, the repo's mains by absolute path. */
export function composeForProject(project: string): string {
  const text = readFileSync(path.join(repoRoot, 'compose.yaml'), 'utf8');
  return `name: ${project}\n${text.replace(/^(\s*- )(packages\/)/gm, `$1${repoRoot}/$2`)}`;
}

/** The admin kubeconfig with its server URL replaced (the same edit scripts/up.mjs makes). */
export function withServer(kubeconfig: string, server: string): string {
  if (!/^\s*server:/m.test(kubeconfig)) throw new Error('kubeconfig without a server line');
  return kubeconfig.replace(/^(\s*server:\s*).*$/m, `$1${server}`);
}

/** A long-running kubectl (get -w): its output accumulates until stop(). */
export interface KubectlProcess {
  child: ChildProcess;
  out(): string;
  err(): string;
  stop(): void;
}

export class ApiServerCluster {
  private readonly addresses = new Map<string, string>();
  /** kubectl's discovery/OpenAPI cache: per cluster, so no run reads another run's cached documents. */
  readonly cacheDir: string;

  private constructor(readonly project: KubemuProject) {
    this.cacheDir = path.join(project.dir, 'kube-cache');
  }

  /** Brings the project up and waits until both replicas serve; on failure everything is torn down. */
  static async start(prefix = 'api'): Promise<ApiServerCluster> {
    const name = uniqueProject(prefix);
    const cluster = new ApiServerCluster(new KubemuProject(name, () => composeForProject(name)));
    try {
      await cluster.project.up();
      for (const s of (await cluster.project.status()).services) cluster.addresses.set(s.name, s.address);
      const adminConf = path.join(cluster.project.dir, 'run', name, 'volumes', 'apiserver-pki', 'admin.conf');
      const admin = await waitFor('admin.conf in the apiserver-pki volume', async () => {
        const text = existsSync(adminConf) ? readFileSync(adminConf, 'utf8') : '';
        return /^\s*server:/m.test(text) ? text : undefined;
      }, 90_000, 250);
      for (const api of APISERVERS) {
        mkdirSync(path.dirname(cluster.kubeconfig(api)), { recursive: true });
        writeFileSync(cluster.kubeconfig(api), withServer(admin, cluster.server(api)), { mode: 0o600 });
      }
      // /readyz through each replica: both serve, with the shared CA and admin token.
      for (const api of APISERVERS) {
        await waitFor(`${api} ready`, async () => {
          const r = await cluster.kubectl(['get', '--raw', '/readyz'], { via: api, timeoutMs: 10_000 });
          return r.code === 0 && r.stdout.trim() === 'ok' ? true : undefined;
        }, 60_000, 500);
      }
      return cluster;
    } catch (err) {
      const names = ['apiserver-0', 'apiserver-1', 'etcd-0', 'nats'];
      const logs = await Promise.all(names.map(async (n) => `${n}: ${(await cluster.project.kubemu('logs', n)).stdout.slice(-3000)}`));
      await cluster.project.down();
      throw new Error(`apiserver cluster did not come up: ${String(err)}\n${logs.join('\n')}`);
    }
  }

  address(service: string): string {
    const a = this.addresses.get(service);
    if (a === undefined) throw new Error(`no service ${service}`);
    return a;
  }

  /** https://<address>:6443 of a replica, as this host reaches it. */
  server(api: ApiServerName): string {
    return `https://${this.address(api)}:${SECURE_PORT}`;
  }

  kubeconfig(api: ApiServerName): string {
    return path.join(this.project.dir, `kubeconfig-${api}`);
  }

  private kubectlArgv(args: string[], via: ApiServerName): string[] {
    return [`--kubeconfig=${this.kubeconfig(via)}`, `--cache-dir=${this.cacheDir}`, ...args];
  }

  /** kubectl through one replica (default apiserver-0), as the admin user of admin.conf. */
  kubectl(args: string[], opts: { via?: ApiServerName; input?: string; env?: Record<string, string>; timeoutMs?: number } = {}): Promise<Run> {
    return run(KUBECTL, this.kubectlArgv(args, opts.via ?? 'apiserver-0'), {
      input: opts.input,
      timeoutMs: opts.timeoutMs ?? 30_000,
      env: { ...process.env, ...(opts.env ?? {}) },
    });
  }

  /** Like kubectl(), but a non-zero exit throws with the command line and its output. */
  async kubectlOk(args: string[], opts: { via?: ApiServerName; input?: string; env?: Record<string, string> } = {}): Promise<string> {
    const r = await this.kubectl(args, opts);
    if (r.code !== 0) throw new Error(`kubectl ${args.join(' ')} exited ${r.code}:\n${r.stdout}${r.stderr}`);
    return r.stdout;
  }

  /** A kubectl that keeps running (get -w); stop() kills it. */
  spawnKubectl(args: string[], via: ApiServerName = 'apiserver-0'): KubectlProcess {
    let out = '';
    let err = '';
    const child = execFile(KUBECTL, this.kubectlArgv(args, via));
    child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr?.on('data', (d: Buffer) => (err += d.toString()));
    return { child, out: () => out, err: () => err, stop: () => child.kill('SIGKILL') };
  }

  get etcdEndpoints(): string[] {
    return ETCD_MEMBERS.map((m) => `${this.address(m)}:2379`);
  }

  /** etcdctl 3.4 against the cluster's three members, from the host. */
  etcdctl(args: string[]): Promise<Run> {
    return run(ETCDCTL, [`--endpoints=${this.etcdEndpoints.join(',')}`, '--dial-timeout=3s', '--command-timeout=5s', ...args], {
      timeoutMs: 20_000, env: { ...process.env, ETCDCTL_API: '3' },
    });
  }

  down(): Promise<void> {
    return this.project.down();
  }
}
