import type { Deployment, HorizontalPodAutoscaler, Pod } from '@kubemu/api';
import { applyDefaults } from '@kubemu/api';
import { newHorizontalPodAutoscalerController } from './hpa-controller';
import { getCpuReplicas } from './replica-calculator';
import { TEST_PODS, resourceInfo, startController } from '../statefulset/controller-test-harness';
import type { Harness } from '../statefulset/controller-test-harness';

const DEPLOYMENTS = resourceInfo('apps', 'v1', 'deployments');
const HPAS = resourceInfo('autoscaling', 'v2', 'horizontalpodautoscalers');

const deployment = (replicas: number): Deployment => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'web', namespace: 'default', uid: 'dep-uid' },
  spec: { replicas, selector: { matchLabels: { app: 'web' } }, template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'c', image: 'nginx' }] } } },
});

const pod = (name: string, usage: string | undefined, request = '100m', ready = true): Pod => applyDefaults<Pod>({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name, namespace: 'default', uid: `uid-${name}`, labels: { app: 'web' }, ...(usage ? { annotations: { 'kubemu.io/cpu-usage': usage } } : {}) },
  spec: { nodeName: 'n1', containers: [{ name: 'c', image: 'nginx', resources: { requests: { cpu: request } } }] },
  status: { phase: 'Running', conditions: [{ type: 'Ready', status: ready ? 'True' : 'False' }] },
});

const hpa = (min: number, max: number, utilization = 50): HorizontalPodAutoscaler => ({
  apiVersion: 'autoscaling/v2',
  kind: 'HorizontalPodAutoscaler',
  metadata: { name: 'web', namespace: 'default', uid: 'hpa-uid', generation: 1 },
  spec: {
    scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' },
    minReplicas: min,
    maxReplicas: max,
    metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: utilization } } }],
  },
});

const replicas = (h: Harness): number | undefined => h.fake.object<Deployment>(DEPLOYMENTS, 'default', 'web')?.spec?.replicas;
const statusOf = (h: Harness): HorizontalPodAutoscaler['status'] => h.fake.object<HorizontalPodAutoscaler>(HPAS, 'default', 'web')?.status;
const cond = (h: Harness, type: string): string => {
  const c = statusOf(h)?.conditions?.find((x) => x.type === type);
  return `${c?.status ?? ''}/${c?.reason ?? ''}`;
};

async function setUsage(h: Harness, name: string, usage: string): Promise<void> {
  await h.client.resource<Pod>(TEST_PODS).namespace('default').patch(name, 'merge', { metadata: { annotations: { 'kubemu.io/cpu-usage': usage } } });
}

describe('replica calculator', () => {
  it('scales by the usage ratio, holds within the 10% tolerance, and treats missing metrics conservatively', () => {
    const pods = [pod('a', '100m'), pod('b', '100m')];
    expect(getCpuReplicas(2, { averageUtilization: 50 }, pods)).toEqual({ replicas: 4, utilization: 100, averageMilli: 100 });
    expect(getCpuReplicas(2, { averageUtilization: 50 }, [pod('a', '54m'), pod('b', '54m')])).toMatchObject({ replicas: 2, utilization: 54 });
    expect(getCpuReplicas(4, { averageUtilization: 50 }, [pod('a', '10m'), pod('b', '10m'), pod('c', '10m'), pod('d', '10m')])).toMatchObject({ replicas: 1 });
    // Scaling down, a pod without metrics counts as at 100% of its request: 3 x 10% + 100% -> 32% -> ceil(0.65 x 4) = 3.
    expect(getCpuReplicas(4, { averageUtilization: 50 }, [pod('a', '10m'), pod('b', '10m'), pod('c', '10m'), pod('d', undefined)])).toMatchObject({ replicas: 3 });
    expect((getCpuReplicas(1, { averageUtilization: 50 }, [pod('a', '10m', '')]) as Error).message).toBe('missing request for cpu in container c of Pod a');
  });
});

describe('HorizontalPodAutoscaler controller', () => {
  let h: Harness;
  afterEach(async () => h.stop());

  it('scales a Deployment up through its scale subresource when usage is above target', async () => {
    h = await startController(newHorizontalPodAutoscalerController, [deployment(2), pod('a', '100m'), pod('b', '100m'), hpa(1, 10)]);
    await h.until(() => replicas(h) === 4, 'scaled to 4');
    expect(h.fake.actions({ verb: 'update', resource: 'deployments', subresource: 'scale' })).toHaveLength(1);
    await h.until(() => statusOf(h)?.desiredReplicas === 4, 'status');
    expect(statusOf(h)).toMatchObject({
      currentReplicas: 2,
      desiredReplicas: 4,
      currentMetrics: [{ type: 'Resource', resource: { name: 'cpu', current: { averageUtilization: 100, averageValue: '100m' } } }],
    });
    expect(statusOf(h)?.lastScaleTime).toBeDefined();
    expect(cond(h, 'AbleToScale')).toBe('True/SucceededRescale');
    expect(cond(h, 'ScalingActive')).toBe('True/ValidMetricFound');
    expect(cond(h, 'ScalingLimited')).toBe('False/DesiredWithinRange');
    await h.until(() => h.events('SuccessfulRescale').length === 1, 'event');
    expect(h.events('SuccessfulRescale')).toEqual(['SuccessfulRescale: New size: 4; reason: cpu resource utilization (percentage of request) above target']);
  });

  it('scales down only after the downscale stabilization window', async () => {
    h = await startController(newHorizontalPodAutoscalerController, [deployment(4), pod('a', '10m'), pod('b', '10m'), pod('c', '10m'), pod('d', '10m'), hpa(2, 10)]);
    await h.until(() => statusOf(h)?.currentReplicas === 4, 'first sync');
    expect(cond(h, 'AbleToScale')).toBe('True/ScaleDownStabilized');
    expect(replicas(h)).toBe(4);
    await h.tick(4 * 60_000 + 45_000, 15_000);
    expect(replicas(h)).toBe(4);
    await h.tick(30_000, 15_000);
    await h.until(() => replicas(h) === 2, 'scaled down');
    // ceil(0.2 x 4) = 1 is below minReplicas.
    expect(cond(h, 'ScalingLimited')).toBe('True/TooFewReplicas');
    expect(h.events('SuccessfulRescale')).toEqual(['SuccessfulRescale: New size: 2; reason: All metrics below target']);
  });

  it('stays put within the tolerance, and limits a scale up to maxReplicas', async () => {
    h = await startController(newHorizontalPodAutoscalerController, [deployment(2), pod('a', '54m'), pod('b', '54m'), hpa(1, 3)]);
    await h.until(() => statusOf(h)?.currentMetrics !== undefined, 'first sync');
    expect(replicas(h)).toBe(2);
    expect(cond(h, 'AbleToScale')).toBe('True/ReadyForNewScale');
    await setUsage(h, 'a', '400m');
    await setUsage(h, 'b', '400m');
    await h.tick(15_000, 15_000);
    await h.until(() => replicas(h) === 3, 'scaled to max');
    expect(cond(h, 'ScalingLimited')).toBe('True/TooManyReplicas');
  });

  it('reports ScalingActive False when pods report no usage', async () => {
    h = await startController(newHorizontalPodAutoscalerController, [deployment(2), pod('a', undefined), pod('b', undefined), hpa(1, 10)]);
    await h.until(() => cond(h, 'ScalingActive') === 'False/FailedGetResourceMetric', 'condition');
    expect(statusOf(h)?.conditions?.find((c) => c.type === 'ScalingActive')?.message).toBe(
      'the HPA was unable to compute the replica count: failed to get cpu utilization: unable to get metrics for resource cpu: no metrics returned from resource metrics API',
    );
    expect(replicas(h)).toBe(2);
    await h.until(() => h.events('FailedComputeMetricsReplicas').length === 1, 'event');
  });
});
