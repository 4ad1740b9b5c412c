// Scheduling cycles against FakeApiServer: informers, queue, cache, plugins, binding, events and
// the PodScheduled condition, end to end within one process.
import { ManualClock, SeededRng, silentLogger } from '@kubemu/base';
import type { Event, Node, Pod } from '@kubemu/api';
import { EVENTS, EventRecorder, FakeApiServer, SharedInformerFactory } from '@kubemu/client';
import { Scheduler } from './scheduler';
import { node, pod } from './testing/fixtures';

const PODS = { group: '', version: 'v1', resource: 'pods', namespaced: true } as const;
const NODES = { group: '', version: 'v1', resource: 'nodes', namespaced: false } as const;
const turn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

interface World {
  clock: ManualClock;
  fake: FakeApiServer;
  scheduler: Scheduler;
  stop(): Promise<void>;
  /** Runs the clock forward in steps, letting the scheduler work between them. */
  run(ms: number): Promise<void>;
  create(p: Pod): Promise<void>;
  pod(name: string): Pod | undefined;
  events(reason: string): string[];
}

async function world(nodes: Node[]): Promise<World> {
  const clock = new ManualClock();
  const fake = new FakeApiServer({ clock });
  fake.seed(...nodes);
  const client = fake.client();
  const rng = new SeededRng(11);
  const informers = new SharedInformerFactory(client, { clock, rng: rng.fork() });
  const recorder = new EventRecorder({ client, component: 'default-scheduler', clock, rng: rng.fork() });
  const scheduler = new Scheduler({ client, informers, clock, rng: rng.fork(), log: silentLogger(), recorder });
  scheduler.startInformers();
  informers.start();
  const stop = new AbortController();
  const running = scheduler.run(stop.signal);
  const w: World = {
    clock,
    fake,
    scheduler,
    async stop() {
      stop.abort();
      await running;
      recorder.shutdown();
      await Promise.all([scheduler.stop(), informers.shutdown()]);
    },
    async run(ms) {
      for (let t = 0; t < ms; t += 100) {
        await clock.advanceAsync(100);
        for (let i = 0; i < 5; i++) await turn();
      }
    },
    async create(p) {
      await client.resource<Pod>(PODS).create(p);
    },
    pod: (name) => fake.object<Pod>(PODS, 'default', name),
    events: (reason) =>
      fake
        .objects<Event>(EVENTS, 'default')
        .filter((e) => e.reason === reason)
        .map((e) => e.message ?? ''),
  };
  await w.run(200);
  return w;
}

const controlPlane = { key: 'node-role.kubernetes.io/control-plane', effect: 'NoSchedule' };

describe('Scheduler', () => {
  it('binds a pod and records the Scheduled event', async () => {
    const w = await world([node('node-1'), node('node-2', { taints: [controlPlane] })]);
    await w.create(pod('web-1', { cpu: '100m' }));
    await w.run(500);
    const p = w.pod('web-1')!;
    expect(p.spec?.nodeName).toBe('node-1');
    expect(p.status?.conditions?.find((c) => c.type === 'PodScheduled')?.status).toBe('True');
    expect(w.events('Scheduled')).toEqual(['Successfully assigned default/web-1 to node-1']);
    await w.stop();
  });

  it('explains a pod that fits nowhere, then schedules it when a node that fits arrives', async () => {
    const w = await world([node('node-1', { taints: [controlPlane] }), node('node-2', { taints: [controlPlane] }), node('node-3', { cpu: '1' })]);
    await w.create(pod('web-1', { cpu: '2' }));
    await w.run(500);
    const message =
      '0/3 nodes are available: 1 Insufficient cpu, 2 node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }. ' +
      'preemption: 0/3 nodes are available: 1 No preemption victims found for incoming pod, 2 Preemption is not helpful for scheduling.';
    expect(w.events('FailedScheduling')).toEqual([message]);
    const cond = w.pod('web-1')?.status?.conditions?.find((c) => c.type === 'PodScheduled');
    expect(cond).toMatchObject({ status: 'False', reason: 'Unschedulable', message });
    expect(w.pod('web-1')?.spec?.nodeName).toBeUndefined();
    expect(w.scheduler.queue.whereIs('default/web-1')).toBe('unschedulable');

    w.fake.seed(node('node-4', { cpu: '4' }));
    await w.run(2000);
    expect(w.pod('web-1')?.spec?.nodeName).toBe('node-4');
    expect(w.events('Scheduled')).toEqual(['Successfully assigned default/web-1 to node-4']);
    await w.stop();
  });

  it('never overcommits: the assumed pods of earlier cycles count before their bindings land', async () => {
    const w = await world([node('a', { cpu: '4' }), node('b', { cpu: '4' })]);
    // Bindings hang for a while, so every decision is made while earlier bindings are in flight.
    const hang = w.fake.injectFailure({ verb: 'create', resource: 'pods', subresource: 'binding', error: 'hang', times: Infinity });
    for (let i = 0; i < 9; i++) await w.create(pod(`w-${i}`, { cpu: '1' }));
    await w.run(300);
    const assumed = ['a', 'b'].map((n) => w.scheduler.cache.nodeInfo(n)!.requested.milliCpu);
    expect(assumed).toEqual([4000, 4000]);
    expect(w.scheduler.queue.pending().unschedulable).toBe(1);
    hang.remove();
    await w.stop();
  });

  it('retries a pod whose binding failed, with backoff', async () => {
    const w = await world([node('node-1')]);
    w.fake.injectFailure({ verb: 'create', resource: 'pods', subresource: 'binding', code: 500, times: 1 });
    await w.create(pod('web-1'));
    await w.run(300);
    expect(w.pod('web-1')?.spec?.nodeName).toBeUndefined();
    expect(w.events('FailedScheduling')[0]).toMatch(/^Binding rejected: /);
    // Backoff 1 s, and backoffQ is flushed once a second.
    await w.run(2500);
    expect(w.pod('web-1')?.spec?.nodeName).toBe('node-1');
    await w.stop();
  });

  it('leaves pods of other schedulers and pods that name a node alone', async () => {
    const w = await world([node('node-1')]);
    await w.create(pod('other', { schedulerName: 'my-scheduler' }));
    await w.create(pod('pinned', { nodeName: 'node-9' }));
    await w.run(500);
    expect(w.pod('other')?.spec?.nodeName).toBeUndefined();
    expect(w.pod('pinned')?.spec?.nodeName).toBe('node-9');
    expect(w.fake.actions({ verb: 'create', resource: 'pods', subresource: 'binding' })).toHaveLength(0);
    await w.stop();
  });

  it('a deleted pod frees its node for a pending one', async () => {
    const w = await world([node('node-1', { cpu: '1' })]);
    await w.create(pod('first', { cpu: '1' }));
    await w.run(300);
    await w.create(pod('second', { cpu: '1' }));
    await w.run(300);
    expect(w.pod('second')?.spec?.nodeName).toBeUndefined();
    await w.fake.client().resource<Pod>(PODS).namespace('default').delete('first', { gracePeriodSeconds: 0 });
    await w.run(1500);
    expect(w.pod('second')?.spec?.nodeName).toBe('node-1');
    await w.stop();
  });

  it('a node update (a taint removed) retries pods it rejected', async () => {
    const w = await world([node('node-1', { taints: [controlPlane] })]);
    await w.create(pod('web-1'));
    await w.run(300);
    expect(w.pod('web-1')?.spec?.nodeName).toBeUndefined();
    const n = w.fake.object<Node>(NODES, undefined, 'node-1')!;
    await w.fake.client().resource<Node>(NODES).update({ ...n, spec: { ...n.spec, taints: [] } });
    await w.run(2500);
    expect(w.pod('web-1')?.spec?.nodeName).toBe('node-1');
    await w.stop();
  });
});
