// Test support for the workload, node and autoscaling controllers: one controller running
// against a FakeApiServer on a ManualClock, with helpers to wait for what a user would observe
// (objects and events) and to play the parts of the components that are not there (the
// kubelet marking pods Running/Ready or finished, the scheduler binding them).
import { ManualClock, SeededRng, silentLogger } from '@kubemu/base';
import { findResource } from '@kubemu/api';
import type { Event, KubeObject, Pod, ResourceInfo } from '@kubemu/api';
import { EventRecorder, FakeApiServer, SharedInformerFactory } from '@kubemu/client';
import type { RestClient } from '@kubemu/client';
import type { Controller, ControllerContext, ControllerFactory, ControllerOptions } from '../../controller';

export function resourceInfo(group: string, version: string, name: string): ResourceInfo {
  const r = findResource(group, version, name);
  if (r === undefined) throw new Error(`unknown resource ${name}`);
  return r;
}

export const TEST_PODS = resourceInfo('', 'v1', 'pods');
export const TEST_EVENTS = resourceInfo('', 'v1', 'events');

export const DEFAULT_TEST_OPTIONS: ControllerOptions = {
  workers: 2,
  nodeMonitorGracePeriodMs: 40_000,
  podEvictionTimeoutMs: 300_000,
  clusterCidr: '10.244.0.0/16',
  hpaSyncPeriodMs: 15_000,
  hpaDownscaleStabilizationMs: 300_000,
};

export interface Harness {
  clock: ManualClock;
  fake: FakeApiServer;
  client: RestClient;
  controller: Controller;
  /** Polls across macrotask turns (the clock does not move); throws with `what` on timeout. */
  until(cond: () => boolean, what: string): Promise<void>;
  /** Moves the clock forward in steps of at most `step` ms, letting async work run after each. */
  tick(ms: number, step?: number): Promise<void>;
  /** Lets pending async work run without moving the clock. */
  settle(): Promise<void>;
  /** Stored events, optionally by reason, as `reason: message`. */
  events(reason?: string): string[];
  pods(namespace?: string): Pod[];
  stop(): Promise<void>;
}

async function turn(): Promise<void> {
  await new Promise<void>((resolve) => setImmediate(resolve));
}

export async function startController(factory: ControllerFactory, seed: KubeObject[] = [], options: Partial<ControllerOptions> = {}): Promise<Harness> {
  const clock = new ManualClock();
  const fake = new FakeApiServer({ clock });
  fake.seed(...seed);
  const client = fake.client();
  const rng = new SeededRng(7);
  const informers = new SharedInformerFactory(client, { clock, rng });
  const recorders: EventRecorder[] = [];
  const ctx: ControllerContext = {
    client,
    informers,
    clock,
    rng,
    log: silentLogger(),
    recorder: (component) => {
      const r = new EventRecorder({ client, component, clock, rng: rng.fork() });
      recorders.push(r);
      return r;
    },
    options: { ...DEFAULT_TEST_OPTIONS, ...options },
  };
  const controller = factory(ctx);
  const abort = new AbortController();
  const running = controller.run(abort.signal);
  const settle = async (): Promise<void> => {
    for (let i = 0; i < 30; i++) await turn();
  };
  const h: Harness = {
    clock,
    fake,
    client,
    controller,
    async until(cond, what) {
      for (let i = 0; i < 2000; i++) {
        if (cond()) return;
        await turn();
      }
      throw new Error(`timed out waiting for ${what}`);
    },
    async tick(ms, step = 1000) {
      let left = ms;
      while (left > 0) {
        const d = Math.min(step, left);
        await clock.advanceAsync(d);
        await settle();
        left -= d;
      }
    },
    settle,
    events(reason) {
      return fake
        .objects<Event>(TEST_EVENTS)
        .filter((e) => reason === undefined || e.reason === reason)
        .map((e) => `${e.reason ?? ''}: ${e.message ?? ''}`);
    },
    pods(namespace = 'default') {
      return fake.objects<Pod>(TEST_PODS, namespace);
    },
    async stop() {
      abort.abort();
      await running;
      for (const r of recorders) r.shutdown();
      await informers.shutdown();
    },
  };
  await h.settle();
  return h;
}

/** The kubelet's part: a pod's status becomes `phase`, Ready as given. */
export async function setPodPhase(h: Harness, namespace: string, name: string, phase: string, ready = phase === 'Running'): Promise<void> {
  const pod = h.fake.object<Pod>(TEST_PODS, namespace, name);
  if (pod === undefined) throw new Error(`no pod ${namespace}/${name}`);
  const now = new Date(h.clock.wallNow()).toISOString().replace(/\.\d{3}Z$/, 'Z');
  await h.client.resource<Pod>(TEST_PODS).namespace(namespace).updateStatus({
    ...pod,
    status: {
      ...pod.status,
      phase,
      conditions: [{ type: 'Ready', status: ready ? 'True' : 'False', lastTransitionTime: now }],
    },
  });
}

/** The kubelet's part on deletion: a terminating pod goes for good. */
export async function finishDeletion(h: Harness, namespace: string, name: string): Promise<void> {
  await h.client.resource<Pod>(TEST_PODS).namespace(namespace).delete(name, { gracePeriodSeconds: 0 });
}

export const defaultNamespace = (name = 'default'): KubeObject => ({ apiVersion: 'v1', kind: 'Namespace', metadata: { name }, spec: { finalizers: ['kubernetes'] }, status: { phase: 'Active' } });
