import { ManualClock, SeededRng } from '@kubemu/base';
import type { Lease, Node, Pod } from '@kubemu/api';
import { FakeApiServer } from '@kubemu/client';
import { CPU_USAGE_ANNOTATION, LEASES, NODES, PODS, SimulatedNodes } from './index';
import type { SimulatedNodesOptions } from './index';

const turn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

async function until(cond: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 500; i++) {
    if (cond()) return;
    await turn();
  }
  throw new Error(`timed out waiting for ${what}`);
}

/** Advances the clock in steps, letting async work run between them. */
async function run(clock: ManualClock, ms: number, step = 100): Promise<void> {
  for (let t = 0; t < ms; t += step) {
    await clock.advanceAsync(step);
    for (let i = 0; i < 3; i++) await turn();
  }
}

function pod(name: string, nodeName: string, extra: Partial<NonNullable<Pod['spec']>> = {}): Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: 'default' },
    spec: { nodeName, containers: [{ name: 'web', image: 'nginx:1.27' }], ...extra },
  };
}

async function create(fake: FakeApiServer, ...pods: Pod[]): Promise<void> {
  for (const p of pods) await fake.client().resource<Pod>(PODS).create(p);
}

async function cluster(opts: Partial<SimulatedNodesOptions> = {}): Promise<{ clock: ManualClock; fake: FakeApiServer; nodes: SimulatedNodes }> {
  const clock = new ManualClock();
  const fake = new FakeApiServer({ clock });
  const nodes = new SimulatedNodes({ client: fake.client(), clock, rng: new SeededRng(3), count: 3, ...opts });
  const started = nodes.start();
  await until(() => fake.objects(NODES).length === 3, 'registration');
  await run(clock, 500);
  await started;
  return { clock, fake, nodes };
}

describe('SimulatedNodes', () => {
  it('registers Nodes with capacity, the Ready condition, addresses and the hostname label, and a Lease each', async () => {
    const { fake, nodes } = await cluster({ shape: { cpu: '8', memory: '32Gi', pods: '50' }, labels: (_, i) => ({ zone: `z${i % 2}` }) });
    const node = fake.object<Node>(NODES, undefined, 'node-1')!;
    expect(node.metadata?.labels).toMatchObject({ 'kubernetes.io/hostname': 'node-1', 'kubernetes.io/os': 'linux', zone: 'z1' });
    expect(node.status?.allocatable).toMatchObject({ cpu: '8', memory: '32Gi', pods: '50' });
    expect(node.status?.capacity).toMatchObject({ cpu: '8', memory: '32Gi', pods: '50' });
    const ready = node.status?.conditions?.find((c) => c.type === 'Ready');
    expect(ready).toMatchObject({ status: 'True', reason: 'KubeletReady', message: 'kubelet is posting ready status' });
    expect(node.status?.addresses).toEqual([
      { type: 'InternalIP', address: expect.stringMatching(/^10\.250\./) },
      { type: 'Hostname', address: 'node-1' },
    ]);
    const lease = fake.object<Lease>(LEASES, 'kube-node-lease', 'node-1')!;
    expect(lease.spec).toMatchObject({ holderIdentity: 'node-1', leaseDurationSeconds: 40 });
    expect(lease.metadata?.ownerReferences?.[0]).toMatchObject({ kind: 'Node', name: 'node-1', uid: node.metadata?.uid });
    await nodes.stop();
  });

  it('renews leases every 10 s, and not once heartbeats are stopped', async () => {
    const { clock, fake, nodes } = await cluster();
    const renewTime = (n: string): string => fake.object<Lease>(LEASES, 'kube-node-lease', n)?.spec?.renewTime ?? '';
    const before = [renewTime('node-0'), renewTime('node-2')];
    nodes.stopHeartbeats('node-2');
    await run(clock, 21_000, 500);
    expect(renewTime('node-0')).not.toBe(before[0]);
    expect(renewTime('node-2')).toBe(before[1]);
    await nodes.resumeHeartbeats('node-2');
    expect(renewTime('node-2')).not.toBe(before[1]);
    await nodes.stop();
  });

  it('writes each Lease once and never renews it when the renewal period is Infinity', async () => {
    const { clock, fake, nodes } = await cluster({ leaseRenewIntervalMs: Infinity });
    const renewTime = (n: string): string | undefined => fake.object<Lease>(LEASES, 'kube-node-lease', n)?.spec?.renewTime;
    const before = renewTime('node-0');
    expect(before).toBeDefined();
    // No renewal timer at all (a real clock would fire setTimeout(Infinity) at once): one timer
    // fewer per node than nodes that renew.
    const renewing = await cluster();
    expect(clock.pending()).toBe(renewing.clock.pending() - 3);
    await renewing.nodes.stop();
    await run(clock, 60_000, 1000);
    expect(renewTime('node-0')).toBe(before);
    await nodes.stop();
  });

  it('leaves bound pods Pending when the start delay is Infinity (nodes without a kubelet)', async () => {
    const { clock, fake, nodes } = await cluster({ podStartDelayMs: Infinity });
    await run(clock, 100);
    const timers = clock.pending();
    await create(fake, pod('web-1', 'node-1'));
    await run(clock, 100);
    // No start timer at all: a real clock would fire setTimeout(Infinity) at once.
    expect(clock.pending()).toBe(timers);
    await run(clock, 60_000);
    expect(fake.object<Pod>(PODS, 'default', 'web-1')?.status?.phase).toBe('Pending');
    expect(nodes.runningPods()).toBe(0);
    await nodes.stop();
  });

  it('moves a pod bound to one of its nodes to Running and Ready after the start delay, with an IP from the podCIDR', async () => {
    const { clock, fake, nodes } = await cluster({ podStartDelayMs: 2000 });
    const node = fake.object<Node>(NODES, undefined, 'node-1')!;
    await fake.client().resource<Node>(NODES).update({ ...node, spec: { ...node.spec, podCIDR: '10.244.7.0/24' } });
    await create(fake, pod('web-1', 'node-1', { initContainers: [{ name: 'init', image: 'busybox' }] }), pod('elsewhere', 'node-99'));
    await run(clock, 1000);
    expect(fake.object<Pod>(PODS, 'default', 'web-1')?.status?.phase).toBe('Pending');
    await run(clock, 1500);
    const p = fake.object<Pod>(PODS, 'default', 'web-1')!;
    expect(p.status?.phase).toBe('Running');
    expect(p.status?.podIP).toBe('10.244.7.2');
    expect(p.status?.hostIP).toBe(node.status?.addresses?.[0]?.address);
    expect(p.status?.startTime).toBeDefined();
    for (const type of ['Initialized', 'Ready', 'ContainersReady']) expect(p.status?.conditions?.find((c) => c.type === type)?.status).toBe('True');
    expect(p.status?.containerStatuses?.[0]).toMatchObject({ name: 'web', ready: true, started: true, restartCount: 0, state: { running: {} } });
    expect(p.status?.initContainerStatuses?.[0]?.state?.terminated).toMatchObject({ exitCode: 0, reason: 'Completed' });
    // Not ours: left alone.
    expect(fake.object<Pod>(PODS, 'default', 'elsewhere')?.status?.phase).toBe('Pending');
    expect(nodes.runningPods()).toBe(1);
    await nodes.stop();
  });

  it('fails and completes pods on request, and reports cpu usage as the kubemu.io/cpu-usage annotation', async () => {
    const { clock, fake, nodes } = await cluster({ podStartDelayMs: 0 });
    await create(fake, pod('a', 'node-0'), pod('b', 'node-0'), pod('c', 'node-2'));
    await run(clock, 500);
    await nodes.failPod('default', 'a', { exitCode: 137, reason: 'OOMKilled' });
    await nodes.succeedPod('default', 'b');
    await nodes.setPodCpuUsage('default', 'c', '250m');
    const a = fake.object<Pod>(PODS, 'default', 'a')!;
    expect(a.status?.phase).toBe('Failed');
    expect(a.status?.containerStatuses?.[0]?.state?.terminated).toMatchObject({ exitCode: 137, reason: 'OOMKilled' });
    expect(a.status?.conditions?.find((c) => c.type === 'Ready')).toMatchObject({ status: 'False', reason: 'PodFailed' });
    expect(fake.object<Pod>(PODS, 'default', 'b')?.status?.phase).toBe('Succeeded');
    expect(fake.object<Pod>(PODS, 'default', 'c')?.metadata?.annotations?.[CPU_USAGE_ANNOTATION]).toBe('250m');
    await nodes.stop();
  });

  it('finishes a graceful deletion with the final delete, as a kubelet does once containers stopped', async () => {
    const { clock, fake, nodes } = await cluster({ podStartDelayMs: 0 });
    await create(fake, pod('web-1', 'node-0'));
    await run(clock, 500);
    await fake.client().resource<Pod>(PODS).namespace('default').delete('web-1', { gracePeriodSeconds: 30 });
    await run(clock, 500);
    expect(fake.object<Pod>(PODS, 'default', 'web-1')).toBeUndefined();
    await nodes.stop();
  });

  it('reports usage periodically from usageFor', async () => {
    const { clock, fake, nodes } = await cluster({ podStartDelayMs: 0, usageFor: (p) => (p.metadata?.name === 'hot' ? '900m' : undefined) });
    await create(fake, pod('hot', 'node-1'), pod('cold', 'node-1'));
    await run(clock, 16_000, 1000);
    expect(fake.object<Pod>(PODS, 'default', 'hot')?.metadata?.annotations?.[CPU_USAGE_ANNOTATION]).toBe('900m');
    expect(fake.object<Pod>(PODS, 'default', 'cold')?.metadata?.annotations?.[CPU_USAGE_ANNOTATION]).toBeUndefined();
    await nodes.stop();
  });
});
