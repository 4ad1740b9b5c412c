/**
 * A real 3-member cluster in this process for tests: three members with TCP peer transports on
 * loopback ports chosen up front (the --initial-cluster must name them before anyone starts),
 * each with its own data dir. Members can be stopped and started again on the same ports and
 * data. Not exported from the package; tests import it directly.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { RealClock, SeededRng, silentLogger } from '@kubemu/base';
import { parseInitialCluster } from './cluster-config';
import type { MemberConfig } from './cluster-config';
import { startClusterMember } from './cluster-member';
import type { RunningClusterMember } from './cluster-member';
import { MvccStateMachine } from './mvcc-state-machine';

export interface ClusterSlot {
  name: string;
  dataDir: string;
  clientPort: number;
  peerPort: number;
  /** "127.0.0.1:port", the form etcdctl and etcd3 dial. */
  endpoint: string;
  member: RunningClusterMember | undefined;
  /** A member added later (member add): its --initial-cluster names every member, state existing. */
  joining?: MemberConfig[];
}

export interface TestClusterOptions {
  size?: number;
  snapshotCount?: number;
  snapshotCatchUpEntries?: number;
}

async function freePort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  const addr = s.address();
  await new Promise<void>((resolve) => s.close(() => resolve()));
  if (typeof addr !== 'object' || addr === null) throw new Error('no port');
  return addr.port;
}

async function newSlot(root: string, i: number): Promise<ClusterSlot> {
  const clientPort = await freePort();
  const peerPort = await freePort();
  return { name: `etcd-${i}`, dataDir: path.join(root, `etcd-${i}`), clientPort, peerPort, endpoint: `127.0.0.1:${clientPort}`, member: undefined };
}

/** Polls `fn` until it returns true (catching up is asynchronous); a throw counts as not yet. */
export async function eventually(fn: () => Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      if (await fn()) return;
    } catch {
      // not yet
    }
    if (Date.now() > deadline) throw new Error('condition not reached in time');
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** A real clock whose monotonic origin is shifted, standing in for another process's clock. */
class ProcessClock extends RealClock {
  constructor(private readonly originMs: number) {
    super();
  }

  override now(): number {
    return super.now() + this.originMs;
  }
}

export class TestCluster {
  static readonly TOKEN = 'kvstore-test';

  private constructor(
    readonly slots: ClusterSlot[],
    private readonly initialCluster: MemberConfig[],
    private readonly root: string,
    private readonly opts: TestClusterOptions,
  ) {}

  static async start(opts: TestClusterOptions = {}): Promise<TestCluster> {
    const root = await mkdtemp(path.join(os.tmpdir(), 'kvstore-cluster-'));
    const slots: ClusterSlot[] = [];
    for (let i = 0; i < (opts.size ?? 3); i++) slots.push(await newSlot(root, i));
    const spec = slots.map((s) => `${s.name}=http://127.0.0.1:${s.peerPort}`).join(',');
    const cluster = new TestCluster(slots, parseInitialCluster(spec, TestCluster.TOKEN), root, opts);
    await Promise.all(slots.map((_s, i) => cluster.startMember(i)));
    return cluster;
  }

  async startMember(i: number): Promise<RunningClusterMember> {
    const s = this.slots[i]!;
    // Members in one jest process would share performance.now()'s origin; separate processes do
    // not, so each member gets its own, as it would in production.
    const clock = new ProcessClock((i + 1) * 10_000_000);
    s.member = await startClusterMember({
      name: s.name,
      dataDir: s.dataDir,
      initialCluster: s.joining ?? this.initialCluster,
      ...(s.joining === undefined ? {} : { initialClusterState: 'existing' as const }),
      clusterToken: TestCluster.TOKEN,
      // As main.ts exits, a removed member stops serving.
      onRemoved: () => void this.stopMember(i),
      listenPeerURL: `http://127.0.0.1:${s.peerPort}`,
      advertiseClientURLs: [`http://127.0.0.1:${s.clientPort}`],
      stateMachine: new MvccStateMachine(clock),
      clock,
      rng: new SeededRng(1000 + i * 7919 + Date.now()),
      heartbeatMs: 50,
      electionMs: 500,
      ...(this.opts.snapshotCount === undefined ? {} : { snapshotCount: this.opts.snapshotCount }),
      ...(this.opts.snapshotCatchUpEntries === undefined ? {} : { snapshotCatchUpEntries: this.opts.snapshotCatchUpEntries }),
      listenClientURLs: [`http://127.0.0.1:${s.clientPort}`],
      listenMetricsURLs: [],
      logger: silentLogger(s.name),
    });
    return s.member;
  }

  /**
   * A slot for a member to be added: ports and a data dir, not started. After `member add` of
   * `peerURL`, startMember(i) starts it with --initial-cluster-state existing and `members`
   * (the cluster as `member add` printed it, this member included).
   */
  async addSlot(): Promise<{ index: number; peerURL: string; join(members: MemberConfig[]): Promise<RunningClusterMember> }> {
    const index = this.slots.length;
    const slot = await newSlot(this.root, index);
    this.slots.push(slot);
    return {
      index,
      peerURL: `http://127.0.0.1:${slot.peerPort}`,
      join: (members) => {
        slot.joining = members;
        return this.startMember(index);
      },
    };
  }

  async stopMember(i: number): Promise<void> {
    const s = this.slots[i]!;
    const m = s.member;
    s.member = undefined;
    await m?.stop();
  }

  running(): Array<ClusterSlot & { member: RunningClusterMember }> {
    return this.slots.filter((s): s is ClusterSlot & { member: RunningClusterMember } => s.member !== undefined);
  }

  /** Waits until every running member knows the same leader; returns its slot index. */
  async waitLeader(timeoutMs = 10_000): Promise<number> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const leads = this.running().map((s) => s.member.server.status());
      const views = await Promise.all(leads);
      const lead = views[0]?.leader ?? 0;
      if (lead !== 0 && views.every((v) => v.leader === lead)) {
        const at = this.slots.findIndex((s) => s.member?.server.memberId === lead);
        if (at >= 0) return at;
      }
      if (Date.now() > deadline) throw new Error(`no agreed leader within ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  async destroy(): Promise<void> {
    await Promise.all(this.slots.map((_s, i) => this.stopMember(i)));
    await rm(this.root, { recursive: true, force: true });
  }
}
