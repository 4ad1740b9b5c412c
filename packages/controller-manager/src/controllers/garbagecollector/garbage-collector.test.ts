import type { ConfigMap, OwnerReference, Pod, ReplicaSet } from '@kubemu/api';
import { ControllerHarness } from '../../testing/controller-harness';
import { PODS } from '../../testing/pods';
import { newGarbageCollector } from './garbage-collector';

const RS = { group: 'apps', version: 'v1', resource: 'replicasets', namespaced: true } as const;
const CONFIGMAPS = { group: '', version: 'v1', resource: 'configmaps', namespaced: true } as const;

function ownerRef(rs: ReplicaSet, block = true): OwnerReference {
  return { apiVersion: 'apps/v1', kind: 'ReplicaSet', name: rs.metadata?.name ?? '', uid: rs.metadata?.uid ?? '', controller: true, blockOwnerDeletion: block };
}

describe('garbage collector', () => {
  let h: ControllerHarness;
  beforeEach(() => {
    h = new ControllerHarness();
    h.start(newGarbageCollector);
  });
  afterEach(async () => {
    await h.stop();
  });

  const rsClient = (): ReturnType<typeof h.client.resource<ReplicaSet>> => h.client.resource<ReplicaSet>(RS).namespace('default');
  const podClient = (): ReturnType<typeof h.client.resource<Pod>> => h.client.resource<Pod>(PODS).namespace('default');

  async function ownerWithPods(name: string, n: number, nodeName?: string): Promise<ReplicaSet> {
    const rs = await rsClient().create({
      apiVersion: 'apps/v1',
      kind: 'ReplicaSet',
      metadata: { name },
      spec: { replicas: 0, selector: { matchLabels: { app: name } }, template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'c', image: 'nginx' }] } } },
    });
    for (let i = 0; i < n; i++) {
      await podClient().create({
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name: `${name}-${i}`, labels: { app: name }, ownerReferences: [ownerRef(rs)] },
        spec: { containers: [{ name: 'c', image: 'nginx' }], ...(nodeName ? { nodeName } : {}) },
      });
    }
    return rs;
  }

  const pods = (prefix: string): Pod[] => h.fake.objects<Pod>(PODS, 'default').filter((p) => p.metadata?.name?.startsWith(prefix));

  test('background: dependents of a deleted owner are deleted', async () => {
    await ownerWithPods('web', 3);
    await ownerWithPods('keep', 1);
    await h.settle();
    await rsClient().delete('web');
    await h.eventually(() => pods('web-').length === 0, 'dependents deleted');
    expect(pods('keep-')).toHaveLength(1);
    for (const a of h.fake.actions({ verb: 'delete', resource: 'pods' })) expect((a.body as { preconditions?: { uid?: string } }).preconditions?.uid).toBeDefined();
  });

  test('foreground: the owner stays until blocking dependents are gone', async () => {
    await ownerWithPods('web', 2, 'node-1');
    await h.settle();
    await rsClient().delete('web', { propagationPolicy: 'Foreground' });
    // Bound pods terminate gracefully: they linger, and so does their owner.
    await h.eventually(() => pods('web-').every((p) => p.metadata?.deletionTimestamp !== undefined), 'dependents deleting');
    await h.advance(1_000);
    const rs = h.fake.object<ReplicaSet>(RS, 'default', 'web');
    expect(rs?.metadata?.finalizers).toEqual(['foregroundDeletion']);
    for (const p of pods('web-')) await podClient().delete(p.metadata?.name ?? '', { gracePeriodSeconds: 0 });
    await h.eventually(() => h.fake.object(RS, 'default', 'web') === undefined, 'owner removed');
  });

  test('orphan: dependents lose the reference and stay; the owner goes', async () => {
    await ownerWithPods('web', 2);
    await h.settle();
    await rsClient().delete('web', { propagationPolicy: 'Orphan' });
    await h.eventually(() => h.fake.object(RS, 'default', 'web') === undefined, 'owner removed');
    expect(pods('web-')).toHaveLength(2);
    for (const p of pods('web-')) expect(p.metadata?.ownerReferences ?? []).toEqual([]);
  });

  test('owners never observed are checked with the API: missing or replaced owners collect, unknown kinds do not', async () => {
    const live = await h.client.resource<ConfigMap>(CONFIGMAPS).namespace('default').create({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'owner' } });
    const mk = (name: string, ref: OwnerReference): Promise<ConfigMap> => h.client.resource<ConfigMap>(CONFIGMAPS).namespace('default').create({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, ownerReferences: [ref] } });
    await mk('orphan-of-missing', { apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'nope', uid: 'uid-missing' });
    await mk('orphan-of-replaced', { apiVersion: 'v1', kind: 'ConfigMap', name: 'owner', uid: 'uid-old' });
    await mk('owned', { apiVersion: 'v1', kind: 'ConfigMap', name: 'owner', uid: live.metadata?.uid ?? '' });
    await mk('unknown-kind', { apiVersion: 'example.com/v1', kind: 'Widget', name: 'w', uid: 'uid-w' });
    const cm = (n: string): ConfigMap | undefined => h.fake.object<ConfigMap>(CONFIGMAPS, 'default', n);
    await h.eventually(() => cm('orphan-of-missing') === undefined && cm('orphan-of-replaced') === undefined, 'dangling collected');
    await h.advance(1000);
    expect(cm('owned')).toBeDefined();
    expect(cm('unknown-kind')).toBeDefined();
  });

  test('a dependent with one live owner only loses the reference to the gone one', async () => {
    const a = await ownerWithPods('a', 0);
    const b = await ownerWithPods('b', 0);
    await podClient().create({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'shared', ownerReferences: [ownerRef(a, false), { ...ownerRef(b, false), controller: false }] },
      spec: { containers: [{ name: 'c', image: 'nginx' }] },
    });
    await h.settle();
    await rsClient().delete('a');
    await h.eventually(() => (h.fake.object<Pod>(PODS, 'default', 'shared')?.metadata?.ownerReferences ?? []).length === 1, 'reference removed');
    expect(h.fake.object<Pod>(PODS, 'default', 'shared')?.metadata?.ownerReferences?.[0]?.name).toBe('b');
  });
});
