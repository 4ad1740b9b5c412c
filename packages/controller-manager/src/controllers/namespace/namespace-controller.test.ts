import type { ConfigMap, Namespace, Pod } from '@kubemu/api';
import { ControllerHarness } from '../../testing/controller-harness';
import { PODS } from '../../testing/pods';
import { NAMESPACES, newNamespaceController } from './namespace-controller';

const CONFIGMAPS = { group: '', version: 'v1', resource: 'configmaps', namespaced: true } as const;

describe('namespace controller', () => {
  let h: ControllerHarness;
  beforeEach(() => {
    h = new ControllerHarness({ namespaceLifecycle: true });
    h.start(newNamespaceController);
  });
  afterEach(async () => {
    await h.stop();
  });

  const ns = (name: string): Namespace | undefined => h.fake.object<Namespace>(NAMESPACES, undefined, name);

  async function populate(name: string): Promise<void> {
    await h.client.resource<Namespace>(NAMESPACES).create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name }, spec: { finalizers: ['kubernetes'] } });
    await h.client.resource<ConfigMap>(CONFIGMAPS).namespace(name).create({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cfg' }, data: { a: '1' } });
    await h.client.resource<Pod>(PODS).namespace(name).create({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' }, spec: { containers: [{ name: 'c', image: 'nginx' }] } });
  }

  test('a deleted namespace is emptied, then finalized and removed', async () => {
    await populate('team-a');
    await populate('team-b');
    await h.client.resource<Namespace>(NAMESPACES).delete('team-a');
    expect(ns('team-a')?.status?.phase).toBe('Terminating');
    // Nothing happens during the deletion grace period.
    await h.advance(4_000);
    expect(h.fake.object(CONFIGMAPS, 'team-a', 'cfg')).toBeDefined();
    await h.eventually(() => ns('team-a') === undefined, 'namespace removed', { stepMs: 100 });
    expect(h.fake.objects(CONFIGMAPS, 'team-a')).toHaveLength(0);
    expect(h.fake.objects(PODS, 'team-a')).toHaveLength(0);
    expect(h.fake.actions({ verb: 'update', resource: 'namespaces', subresource: 'finalize' })).toHaveLength(1);
    // Other namespaces are untouched.
    expect(h.fake.object(CONFIGMAPS, 'team-b', 'cfg')).toBeDefined();
    expect(ns('team-b')).toBeDefined();
  });

  test('content held by a finalizer keeps the namespace, with conditions saying why', async () => {
    await populate('team-a');
    await h.client.resource<ConfigMap>(CONFIGMAPS).namespace('team-a').patch('cfg', 'merge', { metadata: { finalizers: ['example.com/hold'] } });
    await h.client.resource<Namespace>(NAMESPACES).delete('team-a');
    await h.eventually(() => (ns('team-a')?.status?.conditions ?? []).length === 5, 'conditions', { stepMs: 100 });
    const conds = Object.fromEntries((ns('team-a')?.status?.conditions ?? []).map((c) => [c.type, c]));
    expect(conds.NamespaceContentRemaining).toMatchObject({ status: 'True', reason: 'SomeResourcesRemain', message: 'Some resources are remaining: configmaps. has 1 resource instances' });
    expect(conds.NamespaceFinalizersRemaining).toMatchObject({ status: 'True', reason: 'SomeFinalizerRemain', message: 'Some finalizers are remaining: example.com/hold in 1 resource instances' });
    expect(conds.NamespaceDeletionContentFailure).toMatchObject({ status: 'False', reason: 'ContentDeleted' });
    expect(conds.NamespaceDeletionDiscoveryFailure).toMatchObject({ status: 'False', reason: 'ResourcesDiscovered', message: 'All resources successfully discovered' });
    expect(ns('team-a')?.spec?.finalizers).toEqual(['kubernetes']);
    // The finalizer goes: so does the namespace.
    await h.client.resource<ConfigMap>(CONFIGMAPS).namespace('team-a').patch('cfg', 'merge', { metadata: { finalizers: null } });
    await h.eventually(() => ns('team-a') === undefined, 'namespace removed', { stepMs: 500, maxMs: 60_000 });
  });
});
