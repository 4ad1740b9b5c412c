// A whole control plane for the workload end-to-end tests (test/workloads-*.test.ts): a store and
// the apiserver as processes (testkit's startControlPlane), the scheduler and one
// controller-manager as processes with the flags a test asks for, and SimulatedNodes in the test
// process running the pods they bind. Tests act through kubectl 1.32 (the judge) and read what a
// user would see; `client` is for watching and for playing the kubelet's part (a readiness flip).
//
// Invariant: stop() leaves no child process behind, and testkit SIGKILLs them if the test process
// dies first.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { RealClock, SeededRng, silentLogger } from '@kubemu/base';
import type { Pod } from '@kubemu/api';
import { RestClient, loadRestConfig } from '@kubemu/client';
import type { Watch } from '@kubemu/client';
import { REPO_ROOT, SimulatedNodes, freePort, startComponent, startControlPlane, waitFor } from '@kubemu/testkit';
import type { ControlPlane, Proc, SimulatedNodesOptions } from '@kubemu/testkit';

export const PODS = { group: '', version: 'v1', resource: 'pods', namespaced: true } as const;

const MAINS = ['controller-manager', 'scheduler', 'apiserver'].map((p) => path.join(REPO_ROOT, 'packages', p, 'dist', 'main.js'));
const haveKubectl = (process.env.PATH ?? '').split(':').some((d) => existsSync(path.join(d, 'kubectl')));
/** Whether these tests can run here: kubectl on PATH and the mains built (npx tsc -b packages/...). */
export const workloadsE2eReady = haveKubectl && MAINS.every((m) => existsSync(m));
export const WORKLOADS_E2E_SKIP_REASON = 'workloads e2e skipped: needs kubectl and built packages (npx tsc -b packages/controller-manager packages/scheduler packages/apiserver)';

export interface KubectlResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface WorkloadsClusterOptions {
  /** Temp dir prefix, e.g. "kubemu-workloads-apps-". */
  prefix: string;
  /** Extra kube-controller-manager flags (sync periods, grace periods). */
  controllerManagerFlags?: string[];
  /** SimulatedNodes options besides client, clock, rng and log. */
  nodes?: Omit<SimulatedNodesOptions, 'client' | 'clock' | 'rng' | 'log'>;
}

export class WorkloadsCluster {
  private constructor(
    readonly cp: ControlPlane,
    readonly client: RestClient,
    readonly nodes: SimulatedNodes,
    readonly scheduler: Proc,
    readonly controllerManager: Proc,
  ) {}

  /** Starts everything and waits for the default ServiceAccount (pods are admitted only then). */
  static async start(o: WorkloadsClusterOptions): Promise<WorkloadsCluster> {
    const cp = await startControlPlane(o.prefix);
    const client = RestClient.fromConfig(loadRestConfig({ kubeconfig: cp.kubeconfig }), { qps: 200, burst: 400 });
    const nodes = new SimulatedNodes({ client, clock: new RealClock(), rng: new SeededRng(5), log: silentLogger(), count: 3, ...o.nodes });
    await nodes.start();
    const scheduler = startComponent('scheduler', 'scheduler', [`--kubeconfig=${cp.kubeconfig}`, '--leader-elect=false', `--secure-port=${await freePort()}`, '--bind-address=127.0.0.1'], cp.dir);
    const port = await freePort();
    const controllerManager = startComponent('controller-manager', 'controller-manager', [
      `--kubeconfig=${cp.kubeconfig}`, '--leader-elect=false', `--secure-port=${port}`, '--bind-address=127.0.0.1',
      '--kube-api-qps=200', '--kube-api-burst=400', ...(o.controllerManagerFlags ?? []),
    ], cp.dir);
    const cluster = new WorkloadsCluster(cp, client, nodes, scheduler, controllerManager);
    try {
      await waitFor(async () => (await fetch(`http://127.0.0.1:${port}/healthz`)).ok, 'controller-manager healthz', 30_000, 200);
      await waitFor(async () => (await cluster.kubectl(['get', 'serviceaccount', 'default'])).code === 0, 'the default ServiceAccount', 30_000, 200);
    } catch (err) {
      const logs = `${await controllerManager.tail(30)}\n${await scheduler.tail(10)}`;
      await cluster.stop();
      throw new Error(`${(err as Error).message}\n${logs}`);
    }
    return cluster;
  }

  get kubeconfig(): string {
    return this.cp.kubeconfig;
  }

  /** kubectl with the admin kubeconfig; `input` goes to its stdin (for `create -f -`). */
  kubectl(args: string[], input?: string, timeoutMs = 60_000): Promise<KubectlResult> {
    return new Promise((resolve) => {
      const child = execFile('kubectl', [`--kubeconfig=${this.cp.kubeconfig}`, ...args], { timeout: timeoutMs }, (err, stdout, stderr) => {
        resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
      });
      if (input !== undefined) child.stdin?.end(input);
    });
  }

  /** kubectl that must succeed; resolves with its stdout. */
  async kubectlOk(args: string[], input?: string, timeoutMs?: number): Promise<string> {
    const r = await this.kubectl(args, input, timeoutMs);
    if (r.code !== 0) throw new Error(`kubectl ${args.join(' ')} failed (${r.code}): ${r.stderr}${r.stdout}`);
    return r.stdout;
  }

  /** `kubectl create -f -` of the given objects (as one List). */
  async create(...objects: object[]): Promise<string> {
    return this.kubectlOk(['create', '-f', '-'], JSON.stringify({ apiVersion: 'v1', kind: 'List', items: objects }));
  }

  /** `kubectl get <what> -o json`, parsed. */
  async getJson<T>(args: string[]): Promise<T> {
    return JSON.parse(await this.kubectlOk(['get', ...args, '-o', 'json'])) as T;
  }

  /** Pods matching `selector`, without those being deleted. */
  async livePods(selector: string, ns = 'default'): Promise<Pod[]> {
    const list = await this.client.resource<Pod>(PODS).namespace(ns).list({ labelSelector: selector });
    return list.items.filter((p) => p.metadata?.deletionTimestamp == null);
  }

  /** A pod's readiness turns false, as its kubelet reports a failing readiness probe (or true again). */
  async setPodReady(ns: string, name: string, ready: boolean): Promise<void> {
    const pods = this.client.resource<Pod>(PODS).namespace(ns);
    const pod = await pods.get(name);
    const now = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
    const containers = (pod.spec?.containers ?? []).map((c) => c.name);
    const conditions = (pod.status?.conditions ?? []).map((c) => {
      if (c.type !== 'Ready' && c.type !== 'ContainersReady') return c;
      if (ready) return { type: c.type, status: 'True', lastProbeTime: null, lastTransitionTime: now };
      return { type: c.type, status: 'False', lastProbeTime: null, lastTransitionTime: now, reason: 'ContainersNotReady', message: `containers with unready status: [${containers.join(' ')}]` };
    });
    const containerStatuses = (pod.status?.containerStatuses ?? []).map((s) => ({ ...s, ready }));
    await pods.patch(name, 'merge', { status: { conditions, containerStatuses } }, { subresource: 'status' });
  }

  async stop(): Promise<void> {
    await this.nodes.stop().catch(() => undefined);
    await this.controllerManager.stop();
    await this.scheduler.stop();
    this.client.close();
    await this.cp.stop();
  }
}

/** One pod watch event as a test observes it, in arrival order. */
export interface PodEvent {
  seq: number;
  type: 'ADDED' | 'MODIFIED' | 'DELETED';
  name: string;
  phase: string;
  ready: boolean;
  terminating: boolean;
}

export function isPodReady(p: Pod): boolean {
  return (p.status?.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True');
}

/**
 * The pods of a selector as one watch sees them, from "now" on: the order of creations, readiness
 * changes and deletions, which is what ordered-start guarantees are about (timestamps have whole
 * seconds only).
 */
export class PodEventLog {
  private constructor(
    readonly events: PodEvent[],
    private readonly watch: Watch<Pod>,
    private readonly done: Promise<void>,
  ) {}

  static async start(client: RestClient, ns: string, labelSelector: string): Promise<PodEventLog> {
    const pods = client.resource<Pod>(PODS).namespace(ns);
    const list = await pods.list({ labelSelector });
    const watch = await pods.watch({ labelSelector, resourceVersion: list.metadata?.resourceVersion ?? '' });
    const events: PodEvent[] = [];
    const done = watch
      .forEach((ev) => {
        if (ev.type === 'ERROR' || ev.type === 'BOOKMARK') return;
        const p = ev.object;
        events.push({
          seq: events.length,
          type: ev.type,
          name: p.metadata?.name ?? '',
          phase: p.status?.phase ?? '',
          ready: isPodReady(p),
          terminating: p.metadata?.deletionTimestamp != null,
        });
      })
      .catch(() => undefined);
    return new PodEventLog(events, watch, done);
  }

  /** Index of the first event matching `pred`, or -1. */
  first(pred: (e: PodEvent) => boolean): number {
    return this.events.findIndex(pred);
  }

  /** Index of the first event of `name` matching `pred`, or -1. */
  firstOf(name: string, pred: (e: PodEvent) => boolean = () => true): number {
    return this.events.findIndex((e) => e.name === name && pred(e));
  }

  /** What was seen, one line per event, for failure messages. */
  transcript(): string {
    return this.events.map((e) => `${e.seq} ${e.type} ${e.name} ${e.phase}${e.ready ? ' ready' : ''}${e.terminating ? ' terminating' : ''}`).join('\n');
  }

  async stop(): Promise<void> {
    this.watch.stop();
    await this.done;
  }
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
