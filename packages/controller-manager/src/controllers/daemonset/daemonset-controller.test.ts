import type { DaemonSet, Node, Pod } from '@kubemu/api';
import { newDaemonSetController } from './daemonset-controller';
import { finishDeletion, resourceInfo, setPodPhase, startController } from '../statefulset/controller-test-harness';
import type { Harness } from '../statefulset/controller-test-harness';
import { targetNodeName } from './daemon-placement';

const DS = resourceInfo('apps', 'v1', 'daemonsets');
const NODES = resourceInfo('', 'v1', 'nodes');

function node(name: string, labels: Record<string, string> = {}, taints: NonNullable<Node['spec']>['taints'] = undefined): Node {
  return { apiVersion: 'v1', kind: 'Node', metadata: { name, labels: { 'kubernetes.io/hostname': name, ...labels } }, spec: taints ? { taints } : {}, status: { conditions: [{ type: 'Ready', status: 'True' }] } };
}

function daemonSet(extra: Partial<NonNullable<NonNullable<DaemonSet['spec']>['template']['spec']>> = {}, strategy?: NonNullable<DaemonSet['spec']>['updateStrategy']): DaemonSet {
  return {
    apiVersion: 'apps/v1',
    kind: 'DaemonSet',
    metadata: { name: 'agent', namespace: 'default' },
    spec: {
      selector: { matchLabels: { app: 'agent' } },
      template: { metadata: { labels: { app: 'agent' } }, spec: { containers: [{ name: 'a', image: 'agent:1' }], ...extra } },
      ...(strategy ? { updateStrategy: strategy } : {}),
    },
  };
}

const live = (h: Harness): Pod[] => h.pods().filter((p) => p.metadata?.deletionTimestamp === undefined);
const nodesOf = (h: Harness): string[] => live(h).map((p) => targetNodeName(p) ?? '?').sort();
const status = (h: Harness): DaemonSet['status'] => h.fake.object<DaemonSet>(DS, 'default', 'agent')?.status;

describe('DaemonSet controller', () => {
  let h: Harness;
  afterEach(async () => h.stop());

  it('runs one pod per node, pinned by node affinity, with the default daemon tolerations, and follows a node added later', async () => {
    h = await startController(newDaemonSetController, [node('node-1'), node('node-2')]);
    await h.client.resource<DaemonSet>(DS).namespace('default').create(daemonSet());
    await h.until(() => live(h).length === 2, 'two pods');
    expect(nodesOf(h)).toEqual(['node-1', 'node-2']);
    const pod = live(h)[0] as Pod;
    expect(pod.metadata?.generateName).toBe('agent-');
    expect(pod.spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms).toEqual([
      { matchFields: [{ key: 'metadata.name', operator: 'In', values: [targetNodeName(pod)] }] },
    ]);
    expect(pod.spec?.tolerations?.map((t) => `${t.key}:${t.effect}`)).toEqual([
      'node.kubernetes.io/not-ready:NoExecute',
      'node.kubernetes.io/unreachable:NoExecute',
      'node.kubernetes.io/disk-pressure:NoSchedule',
      'node.kubernetes.io/memory-pressure:NoSchedule',
      'node.kubernetes.io/pid-pressure:NoSchedule',
      'node.kubernetes.io/unschedulable:NoSchedule',
    ]);
    expect(pod.metadata?.labels?.['controller-revision-hash']).toMatch(/^[bcdfghjklmnpqrstvwxz2456789]+$/);

    await h.client.resource<Node>(NODES).create(node('node-3'));
    await h.until(() => live(h).length === 3, 'pod on node-3');
    expect(nodesOf(h)).toEqual(['node-1', 'node-2', 'node-3']);
    await h.until(() => h.events('SuccessfulCreate').length === 3, 'events');
    expect(h.events('SuccessfulCreate')[0]).toMatch(/^SuccessfulCreate: Created pod: agent-[a-z0-9]{5}$/);

    // The node goes away: its pod is deleted.
    await h.client.resource<Node>(NODES).delete('node-3');
    await h.until(() => live(h).length === 2, 'pod of node-3 deleted');
    expect(nodesOf(h)).toEqual(['node-1', 'node-2']);
  });

  it('honours nodeSelector and untolerated NoSchedule taints, and reports status', async () => {
    const taint = [{ key: 'dedicated', value: 'db', effect: 'NoSchedule' }];
    h = await startController(newDaemonSetController, [node('a', { disk: 'ssd' }), node('b', { disk: 'hdd' }), node('c', { disk: 'ssd' }, taint), node('d', { disk: 'ssd' }, [{ key: 'node.kubernetes.io/unschedulable', effect: 'NoSchedule' }])]);
    await h.client.resource<DaemonSet>(DS).namespace('default').create(daemonSet({ nodeSelector: { disk: 'ssd' } }));
    await h.until(() => status(h)?.desiredNumberScheduled === 2 && live(h).length === 2, 'pods and status');
    expect(nodesOf(h)).toEqual(['a', 'd']);
    for (const p of live(h)) await setPodPhase(h, 'default', p.metadata?.name ?? '', 'Running');
    await h.until(() => status(h)?.numberReady === 2, 'ready');
    expect(status(h)).toMatchObject({ desiredNumberScheduled: 2, currentNumberScheduled: 2, numberReady: 2, numberAvailable: 2, updatedNumberScheduled: 2, numberMisscheduled: 0, numberUnavailable: 0 });
  });

  it('a rolling update replaces at most maxUnavailable pods at a time', async () => {
    h = await startController(newDaemonSetController, [node('n1'), node('n2'), node('n3')]);
    const dsClient = h.client.resource<DaemonSet>(DS).namespace('default');
    await dsClient.create(daemonSet({ nodeName: undefined }, { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 1 } }));
    await h.until(() => live(h).length === 3, 'three pods');
    for (const p of live(h)) await setPodPhase(h, 'default', p.metadata?.name ?? '', 'Running');
    await h.until(() => status(h)?.numberAvailable === 3, 'available');
    const ds = h.fake.object<DaemonSet>(DS, 'default', 'agent') as DaemonSet;
    const template = structuredClone(ds.spec!.template);
    template.spec!.containers[0]!.image = 'agent:2';
    await dsClient.update({ ...ds, spec: { ...ds.spec!, template } });
    const image = (p: Pod): string => p.spec?.containers[0]?.image ?? '';
    for (let round = 1; round <= 3; round++) {
      await h.until(() => live(h).filter((p) => image(p) === 'agent:2').length === round, `new pod ${round}`);
      await h.settle();
      // Never more than one node without an available pod.
      expect(live(h).filter((p) => image(p) === 'agent:1').length).toBe(3 - round);
      for (const p of live(h).filter((x) => image(x) === 'agent:2' && x.status?.phase !== 'Running')) await setPodPhase(h, 'default', p.metadata?.name ?? '', 'Running');
    }
    await h.until(() => status(h)?.updatedNumberScheduled === 3 && status(h)?.numberAvailable === 3, 'rolled out');
    // Deleted pods without a node binding went at once; none is left terminating.
    for (const p of h.pods().filter((x) => x.metadata?.deletionTimestamp !== undefined)) await finishDeletion(h, 'default', p.metadata?.name ?? '');
  });
});
