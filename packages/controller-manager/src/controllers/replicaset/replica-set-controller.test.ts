import type { Pod, ReplicaSet } from '@kubemu/api';
import { ControllerHarness } from '../../testing/controller-harness';
import { PODS, livePods, markRunningReady, markRunningNotReady } from '../../testing/pods';
import { newReplicaSetController } from './replica-set-factory';

const RS = { group: 'apps', version: 'v1', resource: 'replicasets', namespaced: true } as const;

function replicaSet(name: string, replicas: number, extra: Partial<NonNullable<ReplicaSet['spec']>> = {}): ReplicaSet {
  return {
    apiVersion: 'apps/v1',
    kind: 'ReplicaSet',
    metadata: { name, namespace: 'default' },
    spec: {
      replicas,
      selector: { matchLabels: { app: name } },
      template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'c', image: 'nginx' }] } },
      ...extra,
    },
  };
}

describe('replicaset controller', () => {
  let h: ControllerHarness;
  beforeEach(() => {
    h = new ControllerHarness();
  });
  afterEach(async () => {
    await h.stop();
  });

  const rs = (name: string): ReplicaSet | undefined => h.fake.object<ReplicaSet>(RS, 'default', name);

  test('creates spec.replicas pods owned by the ReplicaSet, in slow-start batches, and reports status', async () => {
    h.start(newReplicaSetController);
    await h.client.resource<ReplicaSet>(RS).namespace('default').create(replicaSet('web', 10));
    await h.eventually(() => livePods(h).length === 10, '10 pods');
    const pods = livePods(h);
    const owner = rs('web');
    for (const p of pods) {
      expect(p.metadata?.generateName).toBe('web-');
      expect(p.metadata?.ownerReferences).toEqual([{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'web', uid: owner?.metadata?.uid, controller: true, blockOwnerDeletion: true }]);
    }
    // Slow start: 1, 2, 4, then the remaining 3; never more than one create call per pod.
    expect(h.fake.actions({ verb: 'create', resource: 'pods' })).toHaveLength(10);
    await h.eventually(() => rs('web')?.status?.replicas === 10, 'status.replicas 10');
    expect(rs('web')?.status).toMatchObject({ replicas: 10, fullyLabeledReplicas: 10, observedGeneration: 1 });
    expect(rs('web')?.status?.readyReplicas).toBeUndefined();
    await h.eventually(() => h.events('default').filter((e) => e.reason === 'SuccessfulCreate').length === 10, 'events');
    const ev = h.events('default').find((e) => e.reason === 'SuccessfulCreate');
    expect(ev?.message).toMatch(/^Created pod: web-[a-z0-9]{5}$/);
    expect(ev?.source?.component).toBe('replicaset-controller');
  });

  test('replaces a deleted pod and scales down preferring unscheduled, then not-ready pods', async () => {
    h.start(newReplicaSetController);
    await h.client.resource<ReplicaSet>(RS).namespace('default').create(replicaSet('web', 4));
    await h.eventually(() => livePods(h).length === 4, '4 pods');
    const [a, b, c, d] = livePods(h) as [Pod, Pod, Pod, Pod];
    markRunningReady(h, a, 'node-1');
    markRunningReady(h, b, 'node-2');
    markRunningNotReady(h, c, 'node-1');
    await h.eventually(() => rs('web')?.status?.readyReplicas === 2, 'ready 2');
    expect(rs('web')?.status?.availableReplicas).toBe(2);
    // d is unscheduled (Pending without a node): it goes first, then c (not ready).
    await h.client.resource<ReplicaSet>(RS).namespace('default').patch('web', 'merge', { spec: { replicas: 2 } });
    await h.eventually(() => livePods(h).length === 2, 'scaled to 2');
    expect(livePods(h).map((p) => p.metadata?.name).sort()).toEqual([a.metadata?.name, b.metadata?.name].sort());
    expect(h.fake.object(PODS, 'default', d.metadata?.name ?? '')).toBeUndefined();
    // A deleted pod is replaced.
    await h.client.resource<Pod>(PODS).namespace('default').delete(a.metadata?.name ?? '', { gracePeriodSeconds: 0 });
    await h.eventually(() => livePods(h).length === 2 && !livePods(h).some((p) => p.metadata?.name === a.metadata?.name), 'replacement');
    await h.eventually(() => h.events('default').some((e) => e.reason === 'SuccessfulDelete'), 'delete event');
    expect(h.events('default').filter((e) => e.reason === 'SuccessfulDelete').map((e) => e.message).sort()).toEqual(
      [`Deleted pod: ${c.metadata?.name ?? ''}`, `Deleted pod: ${d.metadata?.name ?? ''}`].sort(),
    );
  });

  test('adopts matching orphans and releases pods whose labels stop matching', async () => {
    const orphan: Pod = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'stray', namespace: 'default', labels: { app: 'web' } }, spec: { containers: [{ name: 'c', image: 'nginx' }] } };
    await h.client.resource<Pod>(PODS).namespace('default').create(orphan);
    h.start(newReplicaSetController);
    await h.client.resource<ReplicaSet>(RS).namespace('default').create(replicaSet('web', 2));
    await h.eventually(() => livePods(h).length === 2, '2 pods');
    const stray = h.fake.object<Pod>(PODS, 'default', 'stray');
    expect(stray?.metadata?.ownerReferences?.[0]).toMatchObject({ kind: 'ReplicaSet', name: 'web', controller: true });
    // Relabel: the RS lets it go and makes another.
    await h.client.resource<Pod>(PODS).namespace('default').patch('stray', 'merge', { metadata: { labels: { app: 'other' } } });
    await h.eventually(() => livePods(h).length === 3 && (h.fake.object<Pod>(PODS, 'default', 'stray')?.metadata?.ownerReferences ?? []).length === 0, 'released');
  });

  test('expectations: a slow informer does not make it create twice', async () => {
    h.start(newReplicaSetController);
    await h.eventually(() => h.fake.watchCount('pods') > 0, 'pod watch');
    // Pod watch events stop arriving: the controller must wait rather than create again.
    h.fake.injectFailure({ verb: 'watch', resource: 'pods', error: 'hang', times: Infinity });
    h.fake.breakWatches('pods');
    await h.client.resource<ReplicaSet>(RS).namespace('default').create(replicaSet('web', 3));
    await h.eventually(() => h.fake.actions({ verb: 'create', resource: 'pods' }).length === 3, '3 creates');
    // Status writes and owner events keep waking the sync; no extra creations follow.
    await h.client.resource<ReplicaSet>(RS).namespace('default').patch('web', 'merge', { metadata: { labels: { touched: 'yes' } } });
    await h.advance(2_000);
    expect(h.fake.actions({ verb: 'create', resource: 'pods' })).toHaveLength(3);
  });

  test('ReplicaFailure condition while creations fail, cleared once they succeed', async () => {
    h.start(newReplicaSetController);
    const rule = h.fake.injectFailure({ verb: 'create', resource: 'pods', code: 403, reason: 'Forbidden', message: 'pods "web-x" is forbidden: exceeded quota: q', times: Infinity });
    await h.client.resource<ReplicaSet>(RS).namespace('default').create(replicaSet('web', 20));
    await h.eventually(() => (rs('web')?.status?.conditions ?? []).length > 0, 'failure condition', { stepMs: 1 });
    expect(rs('web')?.status?.conditions?.[0]).toMatchObject({ type: 'ReplicaFailure', status: 'True', reason: 'FailedCreate', message: 'pods "web-x" is forbidden: exceeded quota: q' });
    // Slow start stops at the first failing batch: each sync tries one pod, not twenty.
    expect(h.fake.actions({ verb: 'create', resource: 'pods' }).length).toBeLessThanOrEqual(3);
    await h.eventually(() => h.events('default').some((e) => e.reason === 'FailedCreate'), 'FailedCreate event');
    expect(h.events('default').find((e) => e.reason === 'FailedCreate')?.message).toBe('Error creating: pods "web-x" is forbidden: exceeded quota: q');
    rule.remove();
    await h.eventually(() => livePods(h).length === 20 && rs('web')?.status?.conditions === undefined, 'recovered', { stepMs: 100, maxMs: 60_000 });
  });

  test('availableReplicas waits minReadySeconds after readiness', async () => {
    h.start(newReplicaSetController);
    await h.client.resource<ReplicaSet>(RS).namespace('default').create(replicaSet('web', 1, { minReadySeconds: 10 }));
    await h.eventually(() => livePods(h).length === 1, '1 pod');
    markRunningReady(h, livePods(h)[0] as Pod);
    await h.eventually(() => rs('web')?.status?.readyReplicas === 1, 'ready');
    expect(rs('web')?.status?.availableReplicas).toBeUndefined();
    await h.advance(12_000, 500);
    await h.eventually(() => rs('web')?.status?.availableReplicas === 1, 'available after 10 s');
  });
});
