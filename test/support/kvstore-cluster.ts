/**
 * A kvstore cluster (etcd-0..N-1) started by the launcher from a compose file in a temp dir, each
 * member `node packages/kvstore/dist/main.js` with compose.yaml's node flags and etcd's flags, as
 * compose.yaml runs them. Tests
 * talk to it from the host as users do: etcdctl, the `etcd3` library, the project's EtcdClient.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { EtcdClient, KVSTORE_NODE_FLAGS } from '@kubemu/kvstore';
import { KubemuProject, repoRoot, run, uniqueProject, waitFor } from './kubemu-project';
import type { Run } from './kubemu-project';

/** The member binary; KVSTORE_MAIN points the tests at another build (e.g. a deliberately broken one). */
export const kvstoreMain = process.env['KVSTORE_MAIN'] ?? path.join(repoRoot, 'packages', 'kvstore', 'dist', 'main.js');
export const ETCDCTL = process.env['ETCDCTL_BIN'] ?? '/usr/bin/etcdctl';
export const haveEtcdctl = existsSync(ETCDCTL);

/**
 * Whether the built store can run more than one member. Until the TCP peer transport lands, its
 * main refuses a multi-member --initial-cluster with a message we recognise here.
 */
export function multiMemberSupported(): boolean {
  return existsSync(kvstoreMain) && !readFileSync(kvstoreMain, 'utf8').includes('need the peer transport');
}

/** Whether the built store's main knows a flag (parseArgs is strict: unknown flags abort). */
export function supportsFlag(flag: string): boolean {
  return existsSync(kvstoreMain) && readFileSync(kvstoreMain, 'utf8').includes(`'${flag}'`);
}

export interface ClusterOptions {
  size: number;
  /** --snapshot-count of every member (etcd's default 10,000). */
  snapshotCount?: number;
  /** --snapshot-catchup-entries (not an etcd 3.4 flag; pass it only where supportsFlag says so). */
  snapshotCatchUpEntries?: number;
  heartbeatMs?: number;
  electionMs?: number;
  prefix?: string;
}

type ComposeOptions = Required<Omit<ClusterOptions, 'prefix' | 'snapshotCatchUpEntries'>> & Pick<ClusterOptions, 'snapshotCatchUpEntries'>;

function composeFor(project: string, o: ComposeOptions, dir: string): string {
  const names = Array.from({ length: o.size }, (_, i) => `etcd-${i}`);
  const initial = names.map((n) => `${n}=http://${n}:2380`).join(',');
  const service = (n: string): string => {
    const argv = [
      'node', ...KVSTORE_NODE_FLAGS, kvstoreMain, '--name', n, '--data-dir', path.join(dir, 'data', n),
      '--listen-client-urls', 'http://0.0.0.0:2379', '--advertise-client-urls', `http://${n}:2379`,
      '--listen-peer-urls', 'http://0.0.0.0:2380', '--initial-advertise-peer-urls', `http://${n}:2380`,
      '--listen-metrics-urls', 'http://0.0.0.0:2381',
      '--initial-cluster', initial, '--initial-cluster-state', 'new', '--initial-cluster-token', project,
      '--heartbeat-interval', String(o.heartbeatMs), '--election-timeout', String(o.electionMs),
      '--snapshot-count', String(o.snapshotCount),
      ...(o.snapshotCatchUpEntries === undefined ? [] : ['--snapshot-catchup-entries', String(o.snapshotCatchUpEntries)]),
    ];
    return `  ${n}:\n    <<: *kvstore\n    command: ${JSON.stringify(argv)}\n`;
  };
  return `name: ${project}\nx-kvstore: &kvstore\n  image: kubemu:dev\n  restart: unless-stopped\nservices:\n${names.map(service).join('')}`;
}

export class KvstoreCluster {
  readonly names: string[];
  private addresses = new Map<string, string>();
  /** Member ids (decimal strings) to names, learned from each member's own status. */
  private readonly names_ = new Map<string, string>();

  private constructor(readonly project: KubemuProject, size: number) {
    this.names = Array.from({ length: size }, (_, i) => `etcd-${i}`);
  }

  /** Brings the cluster up and waits for a leader; on failure everything is torn down again. */
  static async start(opts: ClusterOptions): Promise<KvstoreCluster> {
    const full: ComposeOptions = { size: opts.size, snapshotCount: opts.snapshotCount ?? 10_000, heartbeatMs: opts.heartbeatMs ?? 100, electionMs: opts.electionMs ?? 1000 };
    if (opts.snapshotCatchUpEntries !== undefined) full.snapshotCatchUpEntries = opts.snapshotCatchUpEntries;
    const name = uniqueProject(opts.prefix ?? 'kv');
    const cluster = new KvstoreCluster(new KubemuProject(name, (dir) => composeFor(name, full, dir)), opts.size);
    try {
      await cluster.project.up();
      for (const s of (await cluster.project.status()).services) cluster.addresses.set(s.name, s.address);
      await cluster.waitLeader();
      return cluster;
    } catch (err) {
      const logs = await Promise.all(cluster.names.map(async (n) => `${n}: ${(await cluster.project.kubemu('logs', n)).stdout.slice(-2000)}`));
      await cluster.project.down();
      throw new Error(`kvstore cluster did not come up: ${String(err)}\n${logs.join('\n')}`);
    }
  }

  /** "address:2379" of a member, as seen from the host. */
  endpoint(name: string): string {
    const a = this.addresses.get(name);
    if (a === undefined) throw new Error(`no member ${name}`);
    return `${a}:2379`;
  }

  /** The host a member advertises: its name (netns mode), its address (loopback mode rewrites names). */
  advertisedHost(name: string): string {
    return this.project.mode === 'netns' ? name : this.endpoint(name).replace(/:2379$/, '');
  }

  get endpoints(): string[] {
    return this.names.map((n) => this.endpoint(n));
  }

  /** etcdctl 3.4 against the given endpoints (default: all members). */
  etcdctl(args: string[], opts: { input?: string; endpoints?: string[]; timeoutMs?: number } = {}): Promise<Run> {
    const eps = (opts.endpoints ?? this.endpoints).join(',');
    return run(ETCDCTL, [`--endpoints=${eps}`, '--dial-timeout=3s', '--command-timeout=5s', ...args], {
      input: opts.input, timeoutMs: opts.timeoutMs ?? 20_000, env: { ...process.env, ETCDCTL_API: '3' },
    });
  }

  /**
   * etcdctl run where the members' advertised names resolve: inside etcd-0's namespace in netns
   * mode (as `docker compose exec` would), from the host in loopback mode (names are rewritten).
   */
  etcdctlInside(args: string[]): Promise<Run> {
    const argv = this.project.execArgv('etcd-0', [ETCDCTL, `--endpoints=${this.endpoint('etcd-0')}`, '--dial-timeout=3s', '--command-timeout=5s', ...args]);
    return run(argv[0] as string, argv.slice(1), { env: { ...process.env, ETCDCTL_API: '3' } });
  }

  /** A client bound to one member only, without failover: what that member itself answers. */
  client(name: string, requestTimeoutMs = 3000): EtcdClient {
    return new EtcdClient({ endpoints: [this.endpoint(name)], requestTimeoutMs });
  }

  /** Member status by name (serializable: each member answers for itself); undefined if down. */
  async memberStatus(name: string): Promise<{ leader: string; memberId: string; revision: number; raftTerm: number } | undefined> {
    const c = this.client(name, 1500);
    try {
      const s = await c.status();
      return { leader: String(s.leader), memberId: String(s.header.memberId), revision: Number(s.header.revision), raftTerm: Number(s.raftTerm) };
    } catch {
      return undefined;
    } finally {
      c.close();
    }
  }

  /** Waits until the given members (default all) agree on one leader among themselves; returns its name. */
  async waitLeader(among: string[] = this.names, timeoutMs = 20_000): Promise<string> {
    return waitFor(`a leader agreed by ${among.join(', ')}`, async () => {
      const sts = await Promise.all(among.map(async (n) => [n, await this.memberStatus(n)] as const));
      for (const [n, s] of sts) if (s !== undefined) this.names_.set(s.memberId, n);
      const ids = new Set(sts.map(([, s]) => s?.leader));
      if (ids.size !== 1 || sts.some(([, s]) => s === undefined || s.leader === '0')) return undefined;
      // A leader outside `among` (killed, cut off) is one the others have not yet given up on.
      const leader = this.names_.get(sts[0]?.[1]?.leader ?? '');
      return leader !== undefined && among.includes(leader) ? leader : undefined;
    }, timeoutMs, 150);
  }

  async down(): Promise<void> {
    await this.project.down();
  }
}
