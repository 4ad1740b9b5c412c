import type { ReplicationController } from '@kubemu/api';
import { ControllerHarness } from '../../testing/controller-harness';
import { livePods } from '../../testing/pods';
import { newReplicationController } from './replication-controller-factory';

const RCS = { group: '', version: 'v1', resource: 'replicationcontrollers', namespaced: true } as const;

describe('replicationcontroller controller', () => {
  let h: ControllerHarness;
  beforeEach(() => {
    h = new ControllerHarness();
    h.start(newReplicationController);
  });
  afterEach(async () => {
    await h.stop();
  });

  test('a map selector keeps spec.replicas pods, owned by the ReplicationController', async () => {
    const rc: ReplicationController = {
      apiVersion: 'v1',
      kind: 'ReplicationController',
      metadata: { name: 'legacy', namespace: 'default' },
      spec: { replicas: 3, selector: { app: 'legacy' }, template: { metadata: { labels: { app: 'legacy' } }, spec: { containers: [{ name: 'c', image: 'nginx' }] } } },
    };
    await h.client.resource<ReplicationController>(RCS).namespace('default').create(rc);
    await h.eventually(() => livePods(h).length === 3, '3 pods');
    for (const p of livePods(h)) expect(p.metadata?.ownerReferences?.[0]).toMatchObject({ apiVersion: 'v1', kind: 'ReplicationController', name: 'legacy', controller: true });
    await h.eventually(() => h.fake.object<ReplicationController>(RCS, 'default', 'legacy')?.status?.replicas === 3, 'status');
    await h.client.resource<ReplicationController>(RCS).namespace('default').patch('legacy', 'merge', { spec: { replicas: 1 } });
    await h.eventually(() => livePods(h).length === 1, 'scaled down');
    await h.eventually(() => h.events('default').some((e) => e.reason === 'SuccessfulDelete'), 'events');
    expect(h.events('default').find((e) => e.reason === 'SuccessfulCreate')?.source?.component).toBe('replication-controller');
  });
});
