/**
 * Control-plane chaos (issue 5): the repository's compose.yaml run by the `kubemu` launcher (three
 * kvstore members, nats, apiserver-0/1, controller-manager-0/1, scheduler-0/1), with 20 simulated
 * nodes in this process. While a Deployment scales from 0 to 200 replicas we SIGKILL, one after the
 * other, the scheduler leader, the controller-manager leader and then the store's raft leader, as a
 * user would (`kubemu kill <service>`), and time each takeover. Then the Deployment must converge
 * to exactly 200 Running pods owned by its one ReplicaSet: none lost, none duplicated, no orphan
 * ReplicaSet, and no churn afterwards.
 *
 * Speed: the compose file is the real one except for the leader-election durations, shortened from
 * kube's 15s/10s/2s to 8s/6s/200ms (LEASE_FLAGS), so that the takeovers fit the budget. The renew
 * deadline stays above the few seconds a store election may hold requests up, as kube's does.
 * KUBEMU_CHAOS_DEFAULT_LEASES=1 leaves compose.yaml's leader-election flags alone (kube's defaults,
 * 15s/10s/2s), to time the takeovers as a user of the real compose file sees them. The
 * controller-manager keeps compose's defaults otherwise (--kube-api-qps 20, burst 30), which is what
 * makes the scale-up last long enough for the kills to land in the middle of it.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { RealClock, SeededRng, silentLogger } from '@kubemu/base';
import type { Deployment, Lease, Pod, ReplicaSet } from '@kubemu/api';
import { RestClient, loadRestConfig } from '@kubemu/client';
import { EtcdClient } from '@kubemu/kvstore';
import { SimulatedNodes } from '@kubemu/testkit';
import { KUBECTL, composeForProject, haveKubectl, withServer } from './support/apiserver-cluster';
import { KubemuProject, run, sleep, uniqueProject, waitFor } from './support/kubemu-project';

const maybe = haveKubectl ? describe : describe.skip;
if (!haveKubectl) console.warn('control-plane chaos skipped: kubectl not found');

const DEFAULT_LEASES = process.env.KUBEMU_CHAOS_DEFAULT_LEASES === '1';
const LEASE_MS = DEFAULT_LEASES ? 15_000 : 8000;
const RENEW_DEADLINE_MS = DEFAULT_LEASES ? 10_000 : 6000;
const RETRY_MS = DEFAULT_LEASES ? 2000 : 200;
const LEASE_FLAGS = [`--leader-elect-lease-duration=${LEASE_MS}ms`, `--leader-elect-renew-deadline=${RENEW_DEADLINE_MS}ms`, `--leader-elect-retry-period=${RETRY_MS}ms`];
const NS = 'chaos';
const REPLICAS = 200;
const NODES = 20;
const ETCD = ['etcd-0', 'etcd-1', 'etcd-2'];

const PODS = { group: '', version: 'v1', resource: 'pods', namespaced: true } as const;
const RSS = { group: 'apps', version: 'v1', resource: 'replicasets', namespaced: true } as const;
const DEPLOYMENTS = { group: 'apps', version: 'v1', resource: 'deployments', namespaced: true } as const;
const LEASES = { group: 'coordination.k8s.io', version: 'v1', resource: 'leases', namespaced: true } as const;

interface Pair {
  services: [string, string];
  port: number;
  lease: string;
}
const SCHEDULERS: Pair = { services: ['scheduler-0', 'scheduler-1'], port: 10259, lease: 'kube-scheduler' };
const MANAGERS: Pair = { services: ['controller-manager-0', 'controller-manager-1'], port: 10257, lease: 'kube-controller-manager' };

/** compose.yaml with the short leader-election durations after every `--leader-elect=true` (unless DEFAULT_LEASES). */
function withShortLeases(compose: string): string {
  if (DEFAULT_LEASES) return compose;
  let n = 0;
  const out = compose.replace(/^(\s*- )"--leader-elect=true"\n/gm, (line, indent: string) => {
    n++;
    return line + LEASE_FLAGS.map((f) => `${indent}"${f}"\n`).join('');
  });
  if (n !== 4) throw new Error(`expected 4 leader-elected services in compose.yaml, found ${n}`);
  return out;
}

/**
 * Every pod of the namespace as a watch saw it, from before the scale-up to the end: how many were
 * ever created and deleted, and the latest state of each. The watch resumes from the last
 * resourceVersion when the stream breaks (the store leader's death may end it) and relists on 410.
 */
class PodHistory {
  readonly created = new Set<string>();
  readonly deleted = new Set<string>();
  private readonly latest = new Map<string, Pod>();
  relists = 0;
  private readonly abort = new AbortController();
  private loop: Promise<void> | undefined;

  constructor(private readonly client: RestClient) {}

  async start(): Promise<void> {
    const list = await this.client.resource<Pod>(PODS).namespace(NS).list();
    for (const p of list.items) this.seen(p);
    this.loop = this.watchFrom(list.metadata.resourceVersion ?? '');
  }

  private seen(p: Pod): void {
    const uid = p.metadata?.uid ?? '';
    this.created.add(uid);
    this.latest.set(uid, p);
  }

  private async watchFrom(rv: string): Promise<void> {
    while (!this.abort.signal.aborted) {
      try {
        const w = await this.client.resource<Pod>(PODS).namespace(NS).watch({ resourceVersion: rv, allowWatchBookmarks: true, signal: this.abort.signal });
        for await (const ev of w) {
          if (ev.type === 'ERROR') {
            // 410 Gone: what happened in between is lost to us; count it, and start over from a list.
            this.relists++;
            const list = await this.client.resource<Pod>(PODS).namespace(NS).list();
            for (const p of list.items) this.seen(p);
            rv = list.metadata.resourceVersion ?? '';
            break;
          }
          rv = ev.object.metadata?.resourceVersion ?? rv;
          if (ev.type === 'BOOKMARK') continue;
          this.seen(ev.object);
          if (ev.type === 'DELETED') this.deleted.add(ev.object.metadata?.uid ?? '');
        }
      } catch {
        await sleep(200);
      }
    }
  }

  /** "pods=N bound=B running=R" of the pods not (yet) deleted. */
  progress(): string {
    const live = [...this.latest.entries()].filter(([uid]) => !this.deleted.has(uid)).map(([, p]) => p);
    const bound = live.filter((p) => (p.spec?.nodeName ?? '') !== '').length;
    const running = live.filter((p) => p.status?.phase === 'Running').length;
    return `pods=${live.length} bound=${bound} running=${running}`;
  }

  async stop(): Promise<void> {
    this.abort.abort();
    await this.loop;
  }
}

/**
 * Polls a Lease every 100 ms and keeps each distinct (holder, renewTime) it saw. The times are the
 * ones written into the Lease (the holders' clocks, all on this host), so they do not depend on how
 * promptly this poller ran: a record stays in place until the next renewal overwrites it, and the
 * last renewal of a dead leader stays for a whole lease duration.
 */
class LeaseTracker {
  readonly records: { holder: string; renewMs: number; acquireMs: number }[] = [];
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(private readonly read: () => Promise<Lease>) {}

  start(): void {
    const tick = async (): Promise<void> => {
      const l = await this.read().catch(() => undefined);
      const holder = l?.spec?.holderIdentity ?? '';
      const renewMs = Date.parse(l?.spec?.renewTime ?? '');
      const last = this.records[this.records.length - 1];
      if (l !== undefined && (last === undefined || last.holder !== holder || last.renewMs !== renewMs)) {
        this.records.push({ holder, renewMs, acquireMs: Date.parse(l.spec?.acquireTime ?? '') });
      }
      if (!this.stopped) this.timer = setTimeout(() => void tick(), 100);
    };
    void tick();
  }

  /** The last renewal of `holder` and the acquisition by the holder after it, once both were seen. */
  handover(holder: string): { lastRenewMs: number; acquiredMs: number } | undefined {
    const i = this.records.findIndex((r, j) => r.holder === holder && this.records[j + 1] !== undefined && this.records[j + 1]?.holder !== holder);
    const next = this.records[i + 1];
    return i < 0 || next === undefined ? undefined : { lastRenewMs: (this.records[i] as { renewMs: number }).renewMs, acquiredMs: next.acquireMs };
  }

  /** The longest wait between two consecutive renewals by one holder, over the records so far. */
  maxRenewGapMs(): number {
    let max = 0;
    for (let i = 1; i < this.records.length; i++) {
      const [a, b] = [this.records[i - 1]!, this.records[i]!];
      if (a.holder === b.holder) max = Math.max(max, b.renewMs - a.renewMs);
    }
    return max;
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
  }
}

/**
 * Starts one call of each probe every 100 ms for `forMs` (calls overlap, so one that hangs does not
 * hide the next), and resolves with the slowest call of each and how many failed.
 */
async function stallProbe(probes: [string, () => Promise<unknown>][], forMs: number): Promise<string[]> {
  const calls: Promise<string>[] = [];
  const worst = new Map<string, { ms: number; failed: number }>(probes.map(([n]) => [n, { ms: 0, failed: 0 }]));
  for (const end = Date.now() + forMs; Date.now() < end; await sleep(100)) {
    for (const [name, call] of probes) {
      const t0 = Date.now();
      const w = worst.get(name) as { ms: number; failed: number };
      let timer: NodeJS.Timeout | undefined;
      const capped = Promise.race([call(), new Promise((_, reject) => (timer = setTimeout(() => reject(new Error('no answer in 20 s')), 20_000)))]);
      calls.push(capped.then(() => '', () => String(w.failed++)).finally(() => {
        clearTimeout(timer);
        w.ms = Math.max(w.ms, Date.now() - t0);
      }));
    }
  }
  await Promise.all(calls);
  return [...worst.entries()].map(([n, w]) => `${n} ${w.ms} ms (${w.failed} failed)`);
}

maybe('control-plane chaos: leaders SIGKILLed while a Deployment scales 0 -> 200', () => {
  let project: KubemuProject;
  const addresses = new Map<string, string>();
  let kubeconfig: string;
  let client: RestClient;
  let nodes: SimulatedNodes | undefined;
  let history: PodHistory | undefined;
  const trackers = new Map<string, LeaseTracker>();

  const addr = (service: string): string => {
    const a = addresses.get(service);
    if (a === undefined) throw new Error(`no service ${service}`);
    return a;
  };

  const kubectl = (args: string[], timeoutMs = 30_000) => run(KUBECTL, [`--kubeconfig=${kubeconfig}`, `--cache-dir=${path.join(project.dir, 'kube-cache')}`, ...args], { timeoutMs });
  async function kubectlOk(args: string[], timeoutMs?: number): Promise<string> {
    const r = await kubectl(args, timeoutMs);
    if (r.code !== 0) throw new Error(`kubectl ${args.join(' ')} exited ${r.code}:\n${r.stdout}${r.stderr}`);
    return r.stdout;
  }

  async function isLeader(service: string, pair: Pair): Promise<boolean> {
    const r = await fetch(`http://${addr(service)}:${pair.port}/metrics`, { signal: AbortSignal.timeout(1000) }).catch(() => undefined);
    const text = r?.ok === true ? await r.text() : '';
    return new RegExp(`^leader_election_master_status\\{name="${pair.lease}"\\} 1$`, 'm').test(text);
  }

  async function leaders(pair: Pair): Promise<string[]> {
    const flags = await Promise.all(pair.services.map((s) => isLeader(s, pair)));
    return pair.services.filter((_, i) => flags[i]);
  }

  /**
   * Both replicas of each pair every 100 ms: a moment when both say they lead is two leaders acting
   * at once, which renewDeadline < leaseDuration exists to prevent. stop() returns those moments.
   */
  function watchForTwoLeaders(): { stop(): Promise<string[]> } {
    const seen: string[] = [];
    let stopped = false;
    const loop = (async () => {
      while (!stopped) {
        for (const pair of [SCHEDULERS, MANAGERS]) if ((await leaders(pair)).length > 1) seen.push(`${new Date().toISOString()} ${pair.lease}`);
        await sleep(100);
      }
    })();
    return {
      async stop() {
        stopped = true;
        await loop;
        return seen;
      },
    };
  }

  const lease = (name: string): Promise<Lease> => client.resource<Lease>(LEASES).namespace('kube-system').get(name);

  /** The service's log without debug lines, for failure messages. */
  function logTail(service: string, lines = 40): string {
    const file = path.join(project.dir, 'run', project.project, 'logs', `${service}.log`);
    return readFileSync(file, 'utf8').split('\n').filter((l) => !l.includes('"level":"debug"')).slice(-lines).join('\n');
  }

  /** When the launcher saw `service` die after `notBefore` (its supervisor.log, ISO timestamps). */
  async function diedAt(service: string, notBefore: number): Promise<number> {
    const log = path.join(project.dir, 'run', project.project, 'supervisor.log');
    return waitFor(`${service}'s death in supervisor.log`, async () => {
      const times = readFileSync(log, 'utf8').split('\n').filter((l) => l.includes(` ${service}: stopped (`)).map((l) => Date.parse(l.split(' ')[0] as string));
      return times.find((t) => t >= notBefore);
    }, 10_000, 100);
  }

  /** The holder identity the service's current process announced when it started. */
  function identityOf(service: string): string {
    const lines = logTail(service, 1_000_000).split('\n').filter((l) => l.includes('"serving healthz and metrics"'));
    return (JSON.parse(lines[lines.length - 1] ?? '{}') as { identity?: string }).identity ?? '';
  }

  /**
   * SIGKILLs the pair's leader (`kubemu kill`) and returns the takeover: from the launcher seeing
   * the leader die to the next holder's acquireTime in the Lease (both wall clocks of this host).
   * The killed replica is started again and rejoins as a standby. A leader that lost the Lease on
   * its own just before the kill landed made no takeover-after-kill to time: that is reported and
   * the new leader is killed instead (at most three tries).
   */
  async function killLeader(pair: Pair): Promise<number> {
    for (let attempt = 1; ; attempt++) {
      // The leader by its /metrics, and the Lease naming that very process as its holder.
      const { leader, before } = await waitFor(`one ${pair.lease} leader holding the Lease`, async () => {
        const [ls, l] = await Promise.all([leaders(pair), lease(pair.lease)]);
        return ls.length === 1 && l.spec?.holderIdentity === identityOf(ls[0] as string) ? { leader: ls[0] as string, before: l } : undefined;
      }, LEASE_MS + 20_000, 100);
      const standby = pair.services.find((s) => s !== leader) as string;
      const holder = before.spec?.holderIdentity ?? '';
      console.log(`${pair.lease}: killing the leader ${leader} (${history?.progress() ?? ''})`);
      const killAt = Date.now() - 1000;
      await project.must('kill', leader, '--signal', 'KILL');
      const died = await diedAt(leader, killAt);
      const h = await waitFor(`the Lease ${pair.lease} to change hands`, async () => trackers.get(pair.lease)?.handover(holder), LEASE_MS + 20_000, 100);
      await project.must('start', leader);
      if (h.acquiredMs < died) {
        console.log(`NOTE: ${leader} lost ${pair.lease} on its own ${died - h.acquiredMs} ms before the kill landed (its last renewTime ${died - h.lastRenewMs} ms before)`);
        expect(attempt).toBeLessThan(3);
        continue;
      }
      await waitFor(`${standby} to lead ${pair.lease}`, async () => ((await isLeader(standby, pair)) ? true : undefined), LEASE_MS + 20_000, 50);
      const after = await lease(pair.lease);
      expect(after.spec?.holderIdentity).toBe(identityOf(standby));
      expect(after.spec?.leaseTransitions ?? 0).toBeGreaterThan(before.spec?.leaseTransitions ?? 0);
      const took = h.acquiredMs - died;
      console.log(`${pair.lease} failover: ${standby} acquired the Lease ${took} ms after ${leader} died (lease ${LEASE_MS} ms); ${leader}'s last renewTime was ${died - h.lastRenewMs} ms before its death`);
      if (took > LEASE_MS + 1000) console.log(`${standby}'s log:\n${logTail(standby)}`);
      return took;
    }
  }

  async function storeStatus(member: string): Promise<{ id: string; leader: string } | undefined> {
    const c = new EtcdClient({ endpoints: [`${addr(member)}:2379`], requestTimeoutMs: 1000 });
    try {
      const s = await c.status();
      return { id: String(s.header.memberId), leader: String(s.leader) };
    } catch {
      return undefined;
    } finally {
      c.close();
    }
  }

  /** The member that all of `among` name as their leader, itself one of them. */
  async function storeLeader(among: string[], timeoutMs = 20_000): Promise<string> {
    return waitFor(`a store leader agreed by ${among.join(', ')}`, async () => {
      const sts = await Promise.all(among.map(storeStatus));
      if (sts.some((s) => s === undefined || s.leader === '0') || new Set(sts.map((s) => s?.leader)).size !== 1) return undefined;
      const i = sts.findIndex((s) => s?.id === sts[0]?.leader);
      return i < 0 ? undefined : among[i];
    }, timeoutMs, 50);
  }

  beforeAll(async () => {
    const t0 = Date.now();
    const name = uniqueProject('cpchaos');
    project = new KubemuProject(name, () => withShortLeases(composeForProject(name)));
    await project.up();
    for (const s of (await project.status()).services) addresses.set(s.name, s.address);
    const adminConf = path.join(project.dir, 'run', name, 'volumes', 'apiserver-pki', 'admin.conf');
    const admin = await waitFor('admin.conf in the apiserver-pki volume', async () => {
      const text = existsSync(adminConf) ? readFileSync(adminConf, 'utf8') : '';
      return /^\s*server:/m.test(text) ? text : undefined;
    }, 90_000, 250);
    kubeconfig = path.join(project.dir, 'kubeconfig');
    mkdirSync(path.dirname(kubeconfig), { recursive: true });
    writeFileSync(kubeconfig, withServer(admin, `https://${addr('apiserver-0')}:6443`), { mode: 0o600 });
    await waitFor('apiserver-0 ready', async () => ((await kubectl(['get', '--raw', '/readyz'], 10_000)).stdout.trim() === 'ok' ? true : undefined), 60_000, 500);
    client = RestClient.fromConfig(loadRestConfig({ kubeconfig }), { qps: 500, burst: 1000 });
    for (const pair of [SCHEDULERS, MANAGERS]) {
      await waitFor(`one ${pair.lease} leader`, async () => ((await leaders(pair)).length === 1 ? true : undefined), 60_000, 200);
    }
    await kubectlOk(['create', 'namespace', NS]);
    // Pods are admitted once the serviceaccount controller made the namespace's default account.
    await waitFor(`${NS}/default ServiceAccount`, async () => ((await kubectl(['-n', NS, 'get', 'serviceaccount', 'default'])).code === 0 ? true : undefined), 30_000, 200);
    nodes = new SimulatedNodes({ client, clock: new RealClock(), rng: new SeededRng(14), log: silentLogger(), count: NODES, shape: { cpu: '4', memory: '16Gi', pods: '110' }, podStartDelayMs: 300 });
    await nodes.start();
    console.log(`compose project ${name} up, leaders elected, ${NODES} nodes registered in ${Date.now() - t0} ms (leases ${LEASE_MS}/${RENEW_DEADLINE_MS}/${RETRY_MS} ms${DEFAULT_LEASES ? ', compose defaults' : ''})`);
  }, 150_000);

  afterAll(async () => {
    for (const t of trackers.values()) t.stop();
    await history?.stop();
    await nodes?.stop();
    client?.close();
    await project?.down();
  }, 60_000);

  test('failovers within the lease duration + 1 s; exactly 200 pods of the current ReplicaSet, none lost or duplicated', async () => {
    await kubectlOk(['-n', NS, 'create', 'deployment', 'web', '--image=nginx:1', `--replicas=0`]);
    history = new PodHistory(client);
    await history.start();
    for (const pair of [SCHEDULERS, MANAGERS]) trackers.set(pair.lease, new LeaseTracker(() => lease(pair.lease)));
    for (const t of trackers.values()) t.start();
    const twoLeaders = watchForTwoLeaders();
    const baseRestarts = new Map((await project.status()).services.map((s) => [s.name, s.restarts]));
    const startedAt = Date.now();
    await kubectlOk(['-n', NS, 'scale', 'deployment', 'web', `--replicas=${REPLICAS}`]);
    // Let the first slow-start batches go out, so that each kill lands in the middle of the scale-up.
    await sleep(300);

    const schedulerMs = await killLeader(SCHEDULERS);
    expect(schedulerMs).toBeLessThanOrEqual(LEASE_MS + 1000);
    const managerMs = await killLeader(MANAGERS);
    expect(managerMs).toBeLessThanOrEqual(LEASE_MS + 1000);
    // Renewals of live leaders under load, before the store outage adds its own pause. A leader
    // that cannot renew within the renew deadline must stop, so no two renewTimes of one holder are
    // further apart than the renew deadline plus a retry period (client-go's renew loop).
    const renewGaps = [...trackers.entries()].map(([name, t]) => [name, t.maxRenewGapMs()] as const);
    console.log(`longest wait between two renewals by one leader before the store was killed: ${renewGaps.map(([n, g]) => `${n} ${g} ms`).join(', ')} (retry period ${RETRY_MS} ms, renew deadline ${RENEW_DEADLINE_MS} ms)`);

    const storeLeaderName = await storeLeader(ETCD);
    const survivors = ETCD.filter((m) => m !== storeLeaderName);
    console.log(`store: killing the raft leader ${storeLeaderName} (${history.progress()})`);
    // How long single reads stall across the election: the Lease GET the leaders renew with, through
    // apiserver-0, and a linearizable range straight from each surviving member.
    const members = survivors.map((m) => [m, new EtcdClient({ endpoints: [`${addr(m)}:2379`], requestTimeoutMs: 20_000 })] as const);
    const stalls = stallProbe([
      ['GET lease via apiserver-0', () => lease(SCHEDULERS.lease)],
      ...members.map(([m, c]) => [`range on ${m}`, () => c.range({ key: Buffer.from('/registry/leases/kube-system/kube-scheduler') })] as [string, () => Promise<unknown>]),
    ], 6000);
    await project.must('kill', storeLeaderName, '--signal', 'KILL');
    const killedAt = Date.now();
    const elected = await storeLeader(survivors, LEASE_MS + 20_000);
    const electedMs = Date.now() - killedAt;
    // Writes through the apiserver resume: the leaders renew their Leases and the controllers go on.
    let probe = 0;
    await waitFor('a write through apiserver-0 after the store leader died', async () => {
      const r = await kubectl(['-n', NS, 'create', 'configmap', `probe-${probe++}`, '--request-timeout=2s'], 10_000);
      return r.code === 0 ? true : undefined;
    }, LEASE_MS + 30_000, 100);
    const writesMs = Date.now() - killedAt;
    console.log(`store failover: ${elected} leads ${electedMs} ms after ${storeLeaderName} was killed; writes resumed after ${writesMs} ms`);
    console.log(`longest single read during the store failover: ${(await stalls).join(', ')}`);
    for (const [, c] of members) c.close();
    expect(electedMs).toBeLessThanOrEqual(LEASE_MS + 1000);
    expect(writesMs).toBeLessThanOrEqual(LEASE_MS + 1000);
    await project.must('start', storeLeaderName);

    // Convergence, judged by kubectl first, then object by object.
    expect(await kubectlOk(['-n', NS, 'rollout', 'status', 'deployment/web', '--timeout=90s'], 100_000)).toContain('deployment "web" successfully rolled out');
    const convergedMs = Date.now() - startedAt;
    const deployment = await client.resource<Deployment>(DEPLOYMENTS).namespace(NS).get('web');
    expect(deployment.status).toMatchObject({ replicas: REPLICAS, updatedReplicas: REPLICAS, readyReplicas: REPLICAS, availableReplicas: REPLICAS });
    expect(deployment.status?.unavailableReplicas ?? 0).toBe(0);

    const rss = (await client.resource<ReplicaSet>(RSS).namespace(NS).list()).items;
    expect(rss.map((r) => r.metadata?.name)).toHaveLength(1);
    const rs = rss[0] as ReplicaSet;
    expect(rs.metadata?.ownerReferences?.find((o) => o.controller === true)?.uid).toBe(deployment.metadata?.uid);
    expect(rs.spec?.replicas).toBe(REPLICAS);

    const nodeNames = new Set(Array.from({ length: NODES }, (_, i) => `node-${i}`));
    const check = async (): Promise<Set<string>> => {
      const pods = (await client.resource<Pod>(PODS).namespace(NS).list()).items;
      expect(pods).toHaveLength(REPLICAS);
      for (const p of pods) {
        expect(p.metadata?.deletionTimestamp).toBeUndefined();
        expect(p.status?.phase).toBe('Running');
        expect(p.metadata?.ownerReferences?.filter((o) => o.controller === true).map((o) => o.uid)).toEqual([rs.metadata?.uid]);
        expect(nodeNames.has(p.spec?.nodeName ?? '')).toBe(true);
      }
      return new Set(pods.map((p) => p.metadata?.uid ?? ''));
    };
    const uids = await check();
    // Nothing left in flight: a new leader acting on stale expectations would create or delete now.
    await sleep(3000);
    expect(await check()).toEqual(uids);

    const surplus = history.created.size - REPLICAS;
    console.log(`converged: ${REPLICAS} pods Running ${convergedMs} ms after the scale; pods ever created ${history.created.size}, deleted ${history.deleted.size}, watch relists ${history.relists}`);
    if (history.relists === 0) expect(history.created.size - history.deleted.size).toBe(REPLICAS);
    if (surplus > 0) console.log(`  ${surplus} surplus pods were created across the failovers and deleted again`);

    // Never two leaders of a pair at once; both replicas of each pair serve again (the killed ones
    // came back as standbys), with one leader.
    expect(await twoLeaders.stop()).toEqual([]);
    for (const pair of [SCHEDULERS, MANAGERS]) {
      await waitFor(`${pair.services.join(' and ')} healthy, one leading`, async () => {
        const healthy = await Promise.all(pair.services.map(async (s) => (await fetch(`http://${addr(s)}:${pair.port}/healthz`).catch(() => undefined))?.ok === true));
        return healthy.every(Boolean) && (await leaders(pair)).length === 1 ? true : undefined;
      }, LEASE_MS + 20_000, 200);
    }
    // Reported, not asserted: a leader that was not killed but exited on its own ("leaderelection
    // lost", restarted by the launcher). Seen when its Lease requests waited behind its own
    // rate-limited controller traffic, or stalled for seconds around the store election.
    const restarts = new Map((await project.status()).services.map((s) => [s.name, s.restarts]));
    for (const s of [...SCHEDULERS.services, ...MANAGERS.services]) {
      const n = (restarts.get(s) ?? 0) - (baseRestarts.get(s) ?? 0);
      const why = logTail(s, 400).split('\n').filter((l) => /leaderelection lost|stopping leading|failed to (renew|update)|error retrieving/.test(l));
      if (n > 0) console.log(`NOTE: ${s} exited on its own ${n} time(s) during the run:\n${why.join('\n')}`);
    }
  }, DEFAULT_LEASES ? 330_000 : 240_000);
});
