// Test support for the workload, node and autoscaling controllers, on top of the package's
// ControllerHarness (src/testing): one controller running against a FakeApiServer on a
// ManualClock, with helpers to wait for what a user would observe (objects and events) without
// moving the clock, to move it in steps, and to play the parts of the components that are not
// there (the kubelet marking pods Running/Ready or finished).
import type { ManualClock } from '@kubemu/base';
import { mustFindResource } from '@kubemu/api';
import type { KubeObject, Pod, ResourceInfo } from '@kubemu/api';
import type { FakeApiServer, RestClient } from '@kubemu/client';
import type { Controller, ControllerFactory, ControllerOptions } from '../../controller';
import { ControllerHarness } from '../../testing/controller-harness';

export function resourceInfo(group: string, version: string, name: string): ResourceInfo {
  return mustFindResource(group, name, version);
}

export const TEST_PODS = resourceInfo('', 'v1', 'pods');

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

export async function startController(factory: ControllerFactory, seed: KubeObject[] = [], options: Partial<ControllerOptions> = {}): Promise<Harness> {
  const base = new ControllerHarness({ options });
  base.fake.seed(...seed);
  const [controller] = base.start(factory);
  const h: Harness = {
    clock: base.clock,
    fake: base.fake,
    client: base.client,
    controller: controller as Controller,
    async until(cond, what) {
      for (let i = 0; i < 2000; i++) {
        if (cond()) return;
        await new Promise<void>((resolve) => setImmediate(resolve));
      }
      throw new Error(`timed out waiting for ${what}`);
    },
    async tick(ms, step = 1000) {
      for (let left = ms; left > 0; left -= step) {
        await base.clock.advanceAsync(Math.min(step, left));
        await base.settle();
      }
    },
    settle: () => base.settle(),
    events(reason) {
      return base
        .events()
        .filter((e) => reason === undefined || e.reason === reason)
        .map((e) => `${e.reason ?? ''}: ${e.message ?? ''}`);
    },
    pods(namespace = 'default') {
      return base.fake.objects<Pod>(TEST_PODS, namespace);
    },
    stop: () => base.stop(),
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
