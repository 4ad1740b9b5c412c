// Deleting a Deployment with each propagation policy, with the deployment, replicaset and
// garbage collector controllers running together, as `kubectl delete --cascade=...` does it.
import type { Deployment, Pod, ReplicaSet } from '@kubemu/api';
import { ControllerHarness } from '../../testing/controller-harness';
import { PODS, livePods } from '../../testing/pods';
import { DEPLOYMENTS, REPLICA_SETS, newDeploymentController } from '../deployment/deployment-controller';
import { deployment } from '../deployment/deployment-test-support';
import { newReplicaSetController } from '../replicaset/replica-set-factory';
import { newGarbageCollector } from './garbage-collector';

describe('cascading deletion of a Deployment', () => {
  let h: ControllerHarness;
  beforeEach(async () => {
    h = new ControllerHarness();
    h.start(newDeploymentController, newReplicaSetController, newGarbageCollector);
    await h.client.resource<Deployment>(DEPLOYMENTS).namespace('default').create(deployment('web', 3));
    await h.eventually(() => livePods(h).length === 3, 'pods');
  });
  afterEach(async () => {
    await h.stop();
  });

  const rss = (): ReplicaSet[] => h.objects<ReplicaSet>(REPLICA_SETS, 'default');
  const pods = (): Pod[] => h.objects<Pod>(PODS, 'default');

  test.each(['Background', 'Foreground'] as const)('%s: ReplicaSets and pods go with it', async (policy) => {
    await h.client.resource<Deployment>(DEPLOYMENTS).namespace('default').delete('web', { propagationPolicy: policy });
    await h.eventually(() => h.fake.object(DEPLOYMENTS, 'default', 'web') === undefined && rss().length === 0 && pods().length === 0, 'all gone');
  });

  test('Orphan: the ReplicaSet and its pods stay, without a controller', async () => {
    await h.client.resource<Deployment>(DEPLOYMENTS).namespace('default').delete('web', { propagationPolicy: 'Orphan' });
    await h.eventually(() => h.fake.object(DEPLOYMENTS, 'default', 'web') === undefined, 'deployment gone');
    await h.advance(1000);
    expect(rss()).toHaveLength(1);
    expect(rss()[0]?.metadata?.ownerReferences ?? []).toEqual([]);
    expect(livePods(h)).toHaveLength(3);
  });
});
