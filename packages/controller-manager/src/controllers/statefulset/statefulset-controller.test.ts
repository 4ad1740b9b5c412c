import type { ControllerRevision, PersistentVolumeClaim, Pod, StatefulSet } from '@kubemu/api';
import { newStatefulSetController } from './statefulset-controller';
import { TEST_PODS, finishDeletion, resourceInfo, setPodPhase, startController } from './controller-test-harness';
import type { Harness } from './controller-test-harness';

const STS = resourceInfo('apps', 'v1', 'statefulsets');
const PVC = resourceInfo('', 'v1', 'persistentvolumeclaims');
const REVS = resourceInfo('apps', 'v1', 'controllerrevisions');

function statefulSet(replicas: number, extra: Partial<NonNullable<StatefulSet['spec']>> = {}): StatefulSet {
  return {
    apiVersion: 'apps/v1',
    kind: 'StatefulSet',
    metadata: { name: 'web', namespace: 'default' },
    spec: {
      replicas,
      serviceName: 'nginx',
      selector: { matchLabels: { app: 'web' } },
      template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'nginx', image: 'nginx:1.25' }] } },
      ...extra,
    },
  };
}

const names = (h: Harness): string[] => h.pods().filter((p) => p.metadata?.deletionTimestamp === undefined).map((p) => p.metadata?.name ?? '').sort();
const stsClient = (h: Harness) => h.client.resource<StatefulSet>(STS).namespace('default');

async function runAndReady(h: Harness, name: string): Promise<void> {
  await h.until(() => names(h).includes(name), `${name} created`);
  await setPodPhase(h, 'default', name, 'Running');
}

describe('StatefulSet controller', () => {
  let h: Harness;
  afterEach(async () => h.stop());

  it('OrderedReady creates web-0, web-1, web-2 one at a time, each after the previous is Running and Ready', async () => {
    h = await startController(newStatefulSetController);
    await stsClient(h).create(statefulSet(3, { volumeClaimTemplates: [{ metadata: { name: 'www' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } } }] }));
    await h.until(() => names(h).length === 1, 'web-0');
    await h.settle();
    expect(names(h)).toEqual(['web-0']);
    const pod0 = h.fake.object<Pod>(TEST_PODS, 'default', 'web-0');
    expect(pod0?.spec?.hostname).toBe('web-0');
    expect(pod0?.spec?.subdomain).toBe('nginx');
    expect(pod0?.metadata?.labels?.['statefulset.kubernetes.io/pod-name']).toBe('web-0');
    expect(pod0?.metadata?.ownerReferences?.[0]).toMatchObject({ kind: 'StatefulSet', name: 'web', controller: true, blockOwnerDeletion: true });
    expect(pod0?.spec?.volumes).toEqual([{ name: 'www', persistentVolumeClaim: { claimName: 'www-web-0' } }]);
    expect(h.fake.object<PersistentVolumeClaim>(PVC, 'default', 'www-web-0')?.metadata?.labels).toEqual({ app: 'web' });

    // Running but not ready: web-1 waits.
    await setPodPhase(h, 'default', 'web-0', 'Running', false);
    await h.settle();
    expect(names(h)).toEqual(['web-0']);
    await setPodPhase(h, 'default', 'web-0', 'Running');
    await h.until(() => names(h).includes('web-1'), 'web-1');
    await h.settle();
    expect(names(h)).toEqual(['web-0', 'web-1']);
    await setPodPhase(h, 'default', 'web-1', 'Running');
    await runAndReady(h, 'web-2');
    await h.until(() => stsClientStatus(h)?.readyReplicas === 3, 'status ready 3');
    const status = stsClientStatus(h);
    expect(status).toMatchObject({ replicas: 3, readyReplicas: 3, currentReplicas: 3, updatedReplicas: 3 });
    expect(status?.currentRevision).toBe(status?.updateRevision);
    expect(status?.currentRevision).toMatch(/^web-[bcdfghjklmnpqrstvwxz2456789]+$/);
    expect(h.pods().map((p) => p.metadata?.labels?.['controller-revision-hash'])).toEqual([status?.updateRevision, status?.updateRevision, status?.updateRevision]);
    expect(h.fake.objects(PVC, 'default').map((c) => c.metadata?.name).sort()).toEqual(['www-web-0', 'www-web-1', 'www-web-2']);
    await h.until(() => h.events('SuccessfulCreate').length === 6, 'events');
    expect(h.events('SuccessfulCreate')).toContain('SuccessfulCreate: create Pod web-1 in StatefulSet web successful');
    expect(h.events('SuccessfulCreate')).toContain('SuccessfulCreate: create Claim www-web-2 Pod web-2 in StatefulSet web success');
  });

  it('scales down in reverse ordinal order, each deletion waiting for the previous pod to be gone', async () => {
    h = await startController(newStatefulSetController);
    const sts = statefulSet(3);
    sts.spec!.template.spec!.nodeName = 'node-1'; // bound pods terminate gracefully, as on a node
    await stsClient(h).create(sts);
    for (const n of ['web-0', 'web-1', 'web-2']) await runAndReady(h, n);
    await h.until(() => stsClientStatus(h)?.readyReplicas === 3, 'ready');
    const set = h.fake.object<StatefulSet>(STS, 'default', 'web') as StatefulSet;
    await stsClient(h).update({ ...set, spec: { ...set.spec!, replicas: 1 } });
    await h.until(() => !names(h).includes('web-2'), 'web-2 terminating');
    await h.settle();
    expect(names(h)).toEqual(['web-0', 'web-1']);
    expect(h.pods().length).toBe(3); // web-2 still terminating: web-1 waits
    await finishDeletion(h, 'default', 'web-2');
    await h.until(() => !names(h).includes('web-1'), 'web-1 terminating');
    await h.until(() => h.events('SuccessfulDelete').length === 2, 'events');
    expect(h.events('SuccessfulDelete')).toEqual(['SuccessfulDelete: delete Pod web-2 in StatefulSet web successful', 'SuccessfulDelete: delete Pod web-1 in StatefulSet web successful']);
    expect(names(h)).toEqual(['web-0']);
  });

  it('Parallel creates every pod at once', async () => {
    h = await startController(newStatefulSetController);
    await stsClient(h).create(statefulSet(3, { podManagementPolicy: 'Parallel' }));
    await h.until(() => names(h).length === 3, 'three pods');
    expect(names(h)).toEqual(['web-0', 'web-1', 'web-2']);
  });

  it('a rolling update replaces pods from the highest ordinal down to the partition, waiting for each', async () => {
    h = await startController(newStatefulSetController);
    await stsClient(h).create(statefulSet(3, { updateStrategy: { type: 'RollingUpdate', rollingUpdate: { partition: 1 } } }));
    for (const n of ['web-0', 'web-1', 'web-2']) await runAndReady(h, n);
    await h.until(() => stsClientStatus(h)?.readyReplicas === 3, 'ready');
    const oldRev = stsClientStatus(h)?.currentRevision;
    const set = h.fake.object<StatefulSet>(STS, 'default', 'web') as StatefulSet;
    const template = structuredClone(set.spec!.template);
    template.spec!.containers[0]!.image = 'nginx:1.26';
    await stsClient(h).update({ ...set, spec: { ...set.spec!, template } });
    // web-2 goes first (it has no node, so the delete is immediate) and comes back on the new revision.
    await h.until(() => h.fake.object<Pod>(TEST_PODS, 'default', 'web-2')?.spec?.containers[0]?.image === 'nginx:1.26', 'web-2 updated');
    const newRev = h.fake.object<Pod>(TEST_PODS, 'default', 'web-2')?.metadata?.labels?.['controller-revision-hash'];
    expect(newRev).not.toBe(oldRev);
    await h.settle();
    expect(h.fake.object<Pod>(TEST_PODS, 'default', 'web-1')?.spec?.containers[0]?.image).toBe('nginx:1.25');
    await setPodPhase(h, 'default', 'web-2', 'Running');
    await h.until(() => h.fake.object<Pod>(TEST_PODS, 'default', 'web-1')?.spec?.containers[0]?.image === 'nginx:1.26', 'web-1 updated');
    await setPodPhase(h, 'default', 'web-1', 'Running');
    await h.until(() => stsClientStatus(h)?.updatedReplicas === 2 && stsClientStatus(h)?.readyReplicas === 3, 'status');
    await h.settle();
    // Below the partition, web-0 keeps the old template.
    expect(h.fake.object<Pod>(TEST_PODS, 'default', 'web-0')?.spec?.containers[0]?.image).toBe('nginx:1.25');
    expect(stsClientStatus(h)).toMatchObject({ currentRevision: oldRev, updateRevision: newRev, currentReplicas: 1, updatedReplicas: 2 });
    expect(h.fake.objects<ControllerRevision>(REVS, 'default').map((r) => r.revision).sort()).toEqual([1, 2]);
  });

  it('recreates a pod that failed, with a RecreatingFailedPod event', async () => {
    h = await startController(newStatefulSetController);
    await stsClient(h).create(statefulSet(1));
    await h.until(() => names(h).length === 1, 'web-0');
    await setPodPhase(h, 'default', 'web-0', 'Failed', false);
    await h.until(() => h.events('RecreatingFailedPod').length === 1, 'event');
    expect(h.events('RecreatingFailedPod')).toEqual(['RecreatingFailedPod: StatefulSet default/web is recreating failed Pod web-0']);
    await h.until(() => h.fake.object<Pod>(TEST_PODS, 'default', 'web-0')?.status?.phase === 'Pending', 'web-0 recreated');
  });
});

function stsClientStatus(h: Harness): StatefulSet['status'] {
  return h.fake.object<StatefulSet>(STS, 'default', 'web')?.status;
}
