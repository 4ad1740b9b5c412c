import type { Lease, Node, Pod } from '@kubemu/api';
import { microTime, rfc3339 } from '@kubemu/client';
import { newNodeLifecycleController } from './node-lifecycle-controller';
import { evictionTime, newTaintEvictionController, withDefaultTolerations } from './taint-eviction-controller';
import { TEST_PODS, resourceInfo, startController } from '../statefulset/controller-test-harness';
import type { Harness } from '../statefulset/controller-test-harness';
import type { Controller, ControllerContext } from '../../controller';
import type { Toleration } from './taints';

const NODES = resourceInfo('', 'v1', 'nodes');
const LEASES = resourceInfo('coordination.k8s.io', 'v1', 'leases');
const T0 = Date.UTC(2026, 0, 1);

const node = (name: string): Node => ({
  apiVersion: 'v1',
  kind: 'Node',
  metadata: { name },
  spec: {},
  status: { conditions: [{ type: 'Ready', status: 'True', reason: 'KubeletReady', message: 'kubelet is posting ready status', lastHeartbeatTime: rfc3339(T0), lastTransitionTime: rfc3339(T0) }] },
});
const lease = (name: string): Lease => ({
  apiVersion: 'coordination.k8s.io/v1',
  kind: 'Lease',
  metadata: { name, namespace: 'kube-node-lease' },
  spec: { holderIdentity: name, leaseDurationSeconds: 40, renewTime: microTime(T0) },
});
const pod = (name: string, nodeName: string, tolerations?: Toleration[]): Pod => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name, namespace: 'default', uid: `uid-${name}` },
  spec: { nodeName, containers: [{ name: 'c', image: 'nginx' }], ...(tolerations ? { tolerations } : {}) },
  status: { phase: 'Running', conditions: [{ type: 'Ready', status: 'True' }] },
});

function lifecycleAndEviction(ctx: ControllerContext): Controller {
  const a = newNodeLifecycleController(ctx);
  const b = newTaintEvictionController(ctx);
  return { name: 'node-lifecycle+taint-eviction', run: async (signal) => void (await Promise.all([a.run(signal), b.run(signal)])) };
}

const nodeOf = (h: Harness, name: string): Node | undefined => h.fake.object<Node>(NODES, undefined, name);
const ready = (h: Harness, name: string): string | undefined => nodeOf(h, name)?.status?.conditions?.find((c) => c.type === 'Ready')?.status;
const taints = (h: Harness, name: string): string[] => (nodeOf(h, name)?.spec?.taints ?? []).map((t) => `${t.key}:${t.effect}`).sort();
const evicted = (h: Harness, name: string): boolean => h.fake.object<Pod>(TEST_PODS, 'default', name)?.metadata?.deletionTimestamp !== undefined;

/** The kubelet of `name` renews its Lease (a heartbeat). */
async function renew(h: Harness, name: string): Promise<void> {
  const l = h.fake.object<Lease>(LEASES, 'kube-node-lease', name) as Lease;
  await h.client.resource<Lease>(LEASES).namespace('kube-node-lease').update({ ...l, spec: { ...l.spec, renewTime: microTime(h.clock.wallNow()) } });
}

/** Advances time in 10 s steps while the kubelets of `alive` keep renewing. */
async function run(h: Harness, ms: number, alive: string[]): Promise<void> {
  for (let left = ms; left > 0; left -= 10_000) {
    await h.tick(Math.min(10_000, left), 5_000);
    for (const n of alive) await renew(h, n);
    await h.settle();
  }
}

describe('taint eviction timing', () => {
  it('evicts at once without a toleration, after tolerationSeconds with one, never with an unbounded one', () => {
    const taint = { key: 'node.kubernetes.io/unreachable', effect: 'NoExecute' };
    const since = (): number => 1_000;
    expect(evictionTime([{ key: 'dedicated', effect: 'NoExecute' }], [], since)).toBe(0);
    expect(evictionTime([taint], withDefaultTolerations(undefined, 300), since)).toBe(301_000);
    expect(evictionTime([taint], [{ key: taint.key, operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 60 }], since)).toBe(61_000);
    expect(evictionTime([taint], [{ operator: 'Exists' }], since)).toBeUndefined();
  });
});

describe('node lifecycle controller', () => {
  let h: Harness;
  afterEach(async () => h.stop());

  it('a node that stops heartbeating goes Unknown, is tainted, and its pods are evicted after their toleration', async () => {
    h = await startController(lifecycleAndEviction, [
      node('n1'),
      node('n2'),
      lease('n1'),
      lease('n2'),
      pod('plain', 'n1'),
      pod('tolerates-60s', 'n1', [{ key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 60 }]),
      pod('tolerates-all', 'n1', [{ operator: 'Exists' }]),
      pod('elsewhere', 'n2'),
    ]);
    // n1's kubelet is gone; n2's keeps renewing. Within the grace period nothing happens.
    await run(h, 30_000, ['n2']);
    expect(ready(h, 'n1')).toBe('True');
    await run(h, 20_000, ['n2']);
    await h.until(() => ready(h, 'n1') === 'Unknown', 'n1 unknown');
    const cond = nodeOf(h, 'n1')?.status?.conditions?.find((c) => c.type === 'Ready');
    expect(cond).toMatchObject({ status: 'Unknown', reason: 'NodeStatusUnknown', message: 'Kubelet stopped posting node status.' });
    expect(nodeOf(h, 'n1')?.status?.conditions?.map((c) => `${c.type}=${c.status}`).sort()).toEqual(['DiskPressure=Unknown', 'MemoryPressure=Unknown', 'PIDPressure=Unknown', 'Ready=Unknown']);
    await h.until(() => taints(h, 'n1').length === 2, 'taints');
    expect(taints(h, 'n1')).toEqual(['node.kubernetes.io/unreachable:NoExecute', 'node.kubernetes.io/unreachable:NoSchedule']);
    expect(ready(h, 'n2')).toBe('True');
    expect(taints(h, 'n2')).toEqual([]);
    // One event on the node, one on each of its pods (marked not ready).
    await h.until(() => h.events('NodeNotReady').length === 4, 'events');
    expect(h.events('NodeNotReady').sort()).toEqual([...Array<string>(3).fill('NodeNotReady: Node is not ready'), 'NodeNotReady: Node n1 status is now: NodeNotReady']);
    expect(h.fake.object<Pod>(TEST_PODS, 'default', 'plain')?.status?.conditions?.find((c) => c.type === 'Ready')?.status).toBe('False');

    // The 60 s toleration runs out first; the default 300 s one later; Exists-for-ever never.
    await run(h, 50_000, ['n2']);
    expect(evicted(h, 'tolerates-60s')).toBe(false);
    await run(h, 20_000, ['n2']);
    await h.until(() => evicted(h, 'tolerates-60s'), '60 s eviction');
    expect(h.fake.object<Pod>(TEST_PODS, 'default', 'tolerates-60s')?.status?.conditions?.find((c) => c.type === 'DisruptionTarget')).toMatchObject({ status: 'True', reason: 'DeletionByTaintManager' });
    expect(evicted(h, 'plain')).toBe(false);
    await run(h, 240_000, ['n2']);
    await h.until(() => evicted(h, 'plain'), '300 s eviction');
    await run(h, 600_000, ['n2']);
    expect(evicted(h, 'tolerates-all')).toBe(false);
    expect(evicted(h, 'elsewhere')).toBe(false);
    expect(h.events('TaintManagerEviction').sort()).toEqual(['TaintManagerEviction: Marking for deletion Pod default/plain', 'TaintManagerEviction: Marking for deletion Pod default/tolerates-60s']);
  }, 60_000);

  it('a node that reports Ready=False gets the not-ready taints; back to Ready, they are removed', async () => {
    h = await startController(newNodeLifecycleController, [node('n1'), lease('n1')]);
    const nodes = h.client.resource<Node>(NODES);
    const setReady = async (status: string): Promise<void> => {
      const n = nodeOf(h, 'n1') as Node;
      const now = rfc3339(h.clock.wallNow());
      await nodes.updateStatus({ ...n, status: { conditions: [{ type: 'Ready', status, reason: 'KubeletNotReady', lastHeartbeatTime: now, lastTransitionTime: now }] } });
    };
    await setReady('False');
    await h.until(() => taints(h, 'n1').length === 2, 'not-ready taints');
    expect(taints(h, 'n1')).toEqual(['node.kubernetes.io/not-ready:NoExecute', 'node.kubernetes.io/not-ready:NoSchedule']);
    expect(nodeOf(h, 'n1')?.spec?.taints?.find((t) => t.effect === 'NoExecute')?.timeAdded).toBe(rfc3339(h.clock.wallNow()));
    await setReady('True');
    await h.until(() => taints(h, 'n1').length === 0, 'taints removed');
    await h.until(() => h.events('NodeReady').length === 1, 'event');
    expect(h.events('NodeReady')).toEqual(['NodeReady: Node n1 status is now: NodeReady']);
  });
});
