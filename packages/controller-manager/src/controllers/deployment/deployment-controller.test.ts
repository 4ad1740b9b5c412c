import type { Deployment, Pod } from '@kubemu/api';
import { ControllerHarness } from '../../testing/controller-harness';
import { markRunningReady, readyAll } from '../../testing/pods';
import { newReplicaSetController } from '../replicaset/replica-set-factory';
import { DEPLOYMENTS, newDeploymentController } from './deployment-controller';
import { deployment, getDeployment, imageOf, livePods, replicaSets, rolledOut, setImage, undo } from './deployment-test-support';

describe('deployment controller', () => {
  let h: ControllerHarness;
  beforeEach(() => {
    h = new ControllerHarness();
    h.start(newDeploymentController, newReplicaSetController);
  });
  afterEach(async () => {
    await h.stop();
  });

  const create = (d: Deployment): Promise<Deployment> => h.client.resource<Deployment>(DEPLOYMENTS).namespace('default').create(d);
  /** Waits for `cond` while a "kubelet" makes every pod Running and Ready. */
  const withKubelet = (cond: () => boolean, what: string): Promise<void> =>
    h.eventually(() => {
      readyAll(h);
      return cond();
    }, what, { stepMs: 50, maxMs: 30_000 });

  test('creates <name>-<pod-template-hash> at revision 1 and reports a finished rollout', async () => {
    await create(deployment('web', 3));
    await withKubelet(() => rolledOut(getDeployment(h, 'web')) && getDeployment(h, 'web').status?.availableReplicas === 3, 'rollout');
    const [rs] = replicaSets(h);
    const hash = rs?.metadata?.labels?.['pod-template-hash'] ?? '';
    expect(hash).toMatch(/^[bcdfghjklmnpqrstvwxz2456789]+$/);
    expect(rs?.metadata?.name).toBe(`web-${hash}`);
    expect(rs?.spec?.selector.matchLabels).toEqual({ app: 'web', 'pod-template-hash': hash });
    expect(rs?.metadata?.annotations).toMatchObject({ 'deployment.kubernetes.io/revision': '1', 'deployment.kubernetes.io/desired-replicas': '3', 'deployment.kubernetes.io/max-replicas': '4' });
    expect(livePods(h)).toHaveLength(3);
    const d = getDeployment(h, 'web');
    expect(d.metadata?.annotations?.['deployment.kubernetes.io/revision']).toBe('1');
    expect(d.status).toMatchObject({ observedGeneration: 1, replicas: 3, updatedReplicas: 3, readyReplicas: 3, availableReplicas: 3 });
    const conds = Object.fromEntries((d.status?.conditions ?? []).map((c) => [c.type, c]));
    expect(conds.Available).toMatchObject({ status: 'True', reason: 'MinimumReplicasAvailable', message: 'Deployment has minimum availability.' });
    await withKubelet(() => getDeployment(h, 'web').status?.conditions?.find((c) => c.type === 'Progressing')?.reason === 'NewReplicaSetAvailable', 'complete');
    expect(getDeployment(h, 'web').status?.conditions?.find((c) => c.type === 'Progressing')?.message).toBe(`ReplicaSet "web-${hash}" has successfully progressed.`);
    // The same template always hashes to the same name.
    await h.eventually(() => h.events('default').some((e) => e.reason === 'ScalingReplicaSet'), 'event');
    expect(h.events('default').find((e) => e.reason === 'ScalingReplicaSet')?.message).toBe(`Scaled up replica set web-${hash} from 0 to 3`);
  });

  test('rolling update never exceeds maxSurge nor drops below maxUnavailable', async () => {
    await create(deployment('web', 4, { strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: 1 } } }));
    await withKubelet(() => rolledOut(getDeployment(h, 'web')) && getDeployment(h, 'web').status?.availableReplicas === 4, 'first rollout');
    await setImage(h, 'web', 'nginx:2');
    let maxPods = 0;
    let minReady = 4;
    for (let round = 0; round < 200 && !(rolledOut(getDeployment(h, 'web')) && livePods(h).every((p) => imageOf(p) === 'nginx:2') && livePods(h).length === 4); round++) {
      await h.settle();
      await h.clock.advanceAsync(10);
      const pods = livePods(h);
      maxPods = Math.max(maxPods, pods.length);
      minReady = Math.min(minReady, pods.filter((p) => p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True')).length);
      // A kubelet that starts one pod per round.
      const pending = pods.find((p) => p.status?.phase !== 'Running');
      if (pending !== undefined) markRunningReady(h, pending);
    }
    expect(livePods(h).map(imageOf)).toEqual(['nginx:2', 'nginx:2', 'nginx:2', 'nginx:2']);
    expect(maxPods).toBeLessThanOrEqual(5);
    expect(minReady).toBeGreaterThanOrEqual(3);
    expect(replicaSets(h).map((rs) => [rs.metadata?.annotations?.['deployment.kubernetes.io/revision'], rs.spec?.replicas])).toEqual([
      ['1', 0],
      ['2', 4],
    ]);
    const msgs = h.events('default').filter((e) => e.reason === 'ScalingReplicaSet').map((e) => e.message ?? '');
    expect(msgs.some((m) => /^Scaled down replica set web-\w+ from 4 to 3$/.test(m))).toBe(true);
  });

  test('rollout undo: the old ReplicaSet is reused and takes the next revision', async () => {
    await create(deployment('web', 2));
    await withKubelet(() => rolledOut(getDeployment(h, 'web')), 'v1');
    await setImage(h, 'web', 'nginx:2');
    await withKubelet(() => rolledOut(getDeployment(h, 'web')) && livePods(h).every((p) => imageOf(p) === 'nginx:2') && livePods(h).length === 2, 'v2');
    const [rs1, rs2] = replicaSets(h);
    await undo(h, 'web', 1);
    await withKubelet(() => rolledOut(getDeployment(h, 'web')) && livePods(h).every((p) => imageOf(p) === 'nginx:1') && livePods(h).length === 2, 'undo');
    const rss = replicaSets(h);
    expect(rss).toHaveLength(2);
    expect(rss.map((r) => r.metadata?.name)).toEqual([rs2?.metadata?.name, rs1?.metadata?.name]);
    const back = rss[1];
    expect(back?.metadata?.annotations).toMatchObject({ 'deployment.kubernetes.io/revision': '3', 'deployment.kubernetes.io/revision-history': '1' });
    expect(back?.spec?.replicas).toBe(2);
    expect(getDeployment(h, 'web').metadata?.annotations?.['deployment.kubernetes.io/revision']).toBe('3');
  });

  test('pause holds template changes (scaling still applies); resume rolls them out', async () => {
    await create(deployment('web', 2));
    await withKubelet(() => rolledOut(getDeployment(h, 'web')), 'v1');
    await h.client.resource<Deployment>(DEPLOYMENTS).namespace('default').patch('web', 'merge', { spec: { paused: true } });
    await setImage(h, 'web', 'nginx:2');
    await h.client.resource<Deployment>(DEPLOYMENTS).namespace('default').patch('web', 'merge', { spec: { replicas: 3 } });
    await withKubelet(() => livePods(h).length === 3, 'scaled while paused');
    await h.advance(1000);
    expect(replicaSets(h)).toHaveLength(1);
    expect(livePods(h).every((p) => imageOf(p) === 'nginx:1')).toBe(true);
    expect(getDeployment(h, 'web').status?.conditions?.find((c) => c.type === 'Progressing')).toMatchObject({ status: 'Unknown', reason: 'DeploymentPaused', message: 'Deployment is paused' });
    await h.client.resource<Deployment>(DEPLOYMENTS).namespace('default').patch('web', 'merge', { spec: { paused: null } });
    await withKubelet(() => rolledOut(getDeployment(h, 'web')) && livePods(h).length === 3 && livePods(h).every((p) => imageOf(p) === 'nginx:2'), 'resumed');
    expect(replicaSets(h)).toHaveLength(2);
  });

  test('Recreate: old pods all gone before the new ReplicaSet starts', async () => {
    await create(deployment('web', 2, { strategy: { type: 'Recreate' } }));
    await withKubelet(() => rolledOut(getDeployment(h, 'web')), 'v1');
    const oldPods = livePods(h);
    await setImage(h, 'web', 'nginx:2');
    await h.eventually(() => replicaSets(h)[0]?.spec?.replicas === 0, 'old scaled down');
    // Bound pods terminate gracefully: they still exist, so no new RS yet.
    await h.advance(1000);
    expect(replicaSets(h)).toHaveLength(1);
    for (const p of oldPods) await h.client.resource<Pod>({ group: '', version: 'v1', resource: 'pods', namespaced: true }).namespace('default').delete(p.metadata?.name ?? '', { gracePeriodSeconds: 0 });
    await withKubelet(() => rolledOut(getDeployment(h, 'web')) && livePods(h).length === 2 && livePods(h).every((p) => imageOf(p) === 'nginx:2'), 'recreated');
    expect(replicaSets(h).map((r) => r.spec?.replicas)).toEqual([0, 2]);
  });

  test('scaling mid-rollout spreads the change proportionally', async () => {
    await create(deployment('web', 10, { strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 3, maxUnavailable: 2 } } }));
    await withKubelet(() => rolledOut(getDeployment(h, 'web')) && getDeployment(h, 'web').status?.availableReplicas === 10, 'v1');
    await setImage(h, 'web', 'nginx:2');
    // New pods never become ready: the rollout stalls with old 8 and new 5 (10 + 3 surge).
    await h.eventually(() => replicaSets(h).map((r) => r.spec?.replicas).join() === '8,5', 'stalled rollout');
    await h.client.resource<Deployment>(DEPLOYMENTS).namespace('default').patch('web', 'merge', { spec: { replicas: 20 } });
    // 23 allowed (20 + 3 surge), 10 to add: old 8 -> round(8*23/13)=14 (+6), new 5 -> min(round(5*23/13)=9, 4 left) = 9.
    await h.eventually(() => replicaSets(h).map((r) => r.spec?.replicas).join() === '14,9', 'proportional scale');
  });

  test('ProgressDeadlineExceeded when a rollout makes no progress for progressDeadlineSeconds', async () => {
    await create(deployment('web', 1, { progressDeadlineSeconds: 30 }));
    await h.eventually(() => livePods(h).length === 1, 'pod');
    await h.advance(35_000, 1000);
    const cond = getDeployment(h, 'web').status?.conditions?.find((c) => c.type === 'Progressing');
    expect(cond).toMatchObject({ status: 'False', reason: 'ProgressDeadlineExceeded' });
    expect(cond?.message).toMatch(/^ReplicaSet "web-\w+" has timed out progressing\.$/);
  });

  test('revisionHistoryLimit: old ReplicaSets beyond the limit are deleted', async () => {
    await create(deployment('web', 1, { revisionHistoryLimit: 1 }));
    for (const image of ['nginx:2', 'nginx:3', 'nginx:4']) {
      await withKubelet(() => rolledOut(getDeployment(h, 'web')) && livePods(h).length === 1, 'rollout');
      await setImage(h, 'web', image);
    }
    await withKubelet(() => rolledOut(getDeployment(h, 'web')) && livePods(h).every((p) => imageOf(p) === 'nginx:4') && replicaSets(h).length === 2, 'history trimmed');
    expect(replicaSets(h).map((r) => r.metadata?.annotations?.['deployment.kubernetes.io/revision'])).toEqual(['3', '4']);
  });
});
