/**
 * Workloads end to end, apps side (issue 5): a store, the apiserver, the scheduler and the
 * controller-manager as processes, three simulated nodes (testkit) running the pods, kubectl 1.32
 * as the judge. A StatefulSet starts its pods in ordinal order and stops them in reverse; a
 * DaemonSet covers every node, including one that joins later; a Service's endpoints follow pod
 * readiness; `kubectl autoscale` scales a Deployment on the cpu usage the nodes report.
 *
 * The HPA runs with --horizontal-pod-autoscaler-sync-period=1s and a 3 s downscale stabilization
 * window (kube: 15 s and 5 min) so that both directions fit in seconds.
 */
import type { DaemonSet, Endpoints, Pod, StatefulSet } from '@kubemu/api';
import { waitFor } from '@kubemu/testkit';
import { PODS, PodEventLog, WORKLOADS_E2E_SKIP_REASON, WorkloadsCluster, isPodReady, workloadsE2eReady } from './support/workloads-cluster';

jest.setTimeout(90_000);
if (!workloadsE2eReady) console.warn(WORKLOADS_E2E_SKIP_REASON);
const maybe = workloadsE2eReady ? describe : describe.skip;

/**
 * The cpu all pods of an app use together, in millicores, by their `app` label; each Running pod
 * reports an even share (as traffic behind a Service is spread) through the nodes' usageFor.
 */
const appLoadMilli = new Map<string, number>();
let c: WorkloadsCluster;

function usageOf(pod: Pod): string | undefined {
  const app = pod.metadata?.labels?.['app'] ?? '';
  const load = appLoadMilli.get(app);
  if (load === undefined) return undefined;
  const peers = c.nodes.nodeNames().flatMap((n) => c.nodes.podsOn(n)).filter((p) => p.metadata?.labels?.['app'] === app && p.status?.phase === 'Running' && p.metadata.deletionTimestamp == null);
  return `${Math.round(load / Math.max(1, peers.length))}m`;
}

const running = (ps: Pod[]): Pod[] => ps.filter((p) => p.status?.phase === 'Running');

maybe('workloads against a real control plane: StatefulSet, DaemonSet, Service endpoints, HPA', () => {
  beforeAll(async () => {
    c = await WorkloadsCluster.start({
      prefix: 'kubemu-workloads-apps-',
      controllerManagerFlags: ['--horizontal-pod-autoscaler-sync-period=1s', '--horizontal-pod-autoscaler-downscale-stabilization=3s'],
      nodes: {
        count: 3,
        // Slow enough that an ordered start is visible in the watch, fast enough for the budget.
        podStartDelayMs: 400,
        podDeleteDelayMs: 300,
        usageFor: usageOf,
        usageReportIntervalMs: 500,
      },
    });
  }, 120_000);

  afterAll(async () => {
    await c?.stop();
  }, 60_000);

  test('a StatefulSet starts web-0, web-1, web-2 each after the previous is Ready, and scales down in reverse', async () => {
    const log = await PodEventLog.start(c.client, 'default', 'app=nginx');
    try {
      await c.create(
        { apiVersion: 'v1', kind: 'Service', metadata: { name: 'nginx', labels: { app: 'nginx' } }, spec: { clusterIP: 'None', selector: { app: 'nginx' }, ports: [{ name: 'web', port: 80 }] } },
        {
          apiVersion: 'apps/v1',
          kind: 'StatefulSet',
          metadata: { name: 'web' },
          spec: {
            serviceName: 'nginx',
            replicas: 3,
            selector: { matchLabels: { app: 'nginx' } },
            template: { metadata: { labels: { app: 'nginx' } }, spec: { containers: [{ name: 'nginx', image: 'registry.k8s.io/nginx-slim:0.24', ports: [{ name: 'web', containerPort: 80 }] }] } },
          },
        },
      );
      // apps/v1 defaults rollingUpdate.partition to 0, so kubectl reports a partitioned roll out.
      expect(await c.kubectlOk(['rollout', 'status', 'statefulset/web', '--timeout=60s'])).toContain('partitioned roll out complete: 3 new pods have been updated...');
      const sts = await c.getJson<StatefulSet>(['statefulset', 'web']);
      expect(sts.status).toMatchObject({ replicas: 3, readyReplicas: 3, currentReplicas: 3, updatedReplicas: 3 });
      expect(sts.status?.currentRevision).toBe(sts.status?.updateRevision);
      const table = await c.kubectlOk(['get', 'pods', '-l', 'app=nginx', '--no-headers']);
      expect(table.trim().split('\n').map((l) => l.split(/\s+/).slice(0, 3).join(' '))).toEqual(['web-0 1/1 Running', 'web-1 1/1 Running', 'web-2 1/1 Running']);
      // OrderedReady: web-N is created only once web-(N-1) is Running and Ready.
      for (const [prev, next] of [['web-0', 'web-1'], ['web-1', 'web-2']] as const) {
        const prevReady = log.firstOf(prev, (e) => e.ready);
        const nextAdded = log.firstOf(next, (e) => e.type === 'ADDED');
        expect({ prev, next, prevReady: prevReady >= 0, order: nextAdded > prevReady }).toEqual({ prev, next, prevReady: true, order: true });
      }
      expect(log.events.filter((e) => e.type === 'ADDED').map((e) => e.name)).toEqual(['web-0', 'web-1', 'web-2']);
      // Each pod is reachable by its stable name through the headless Service's endpoints.
      await waitFor(async () => {
        const ep = await c.getJson<Endpoints>(['endpoints', 'nginx']);
        return (ep.subsets?.[0]?.addresses ?? []).map((a) => a.hostname).sort().join(',') === 'web-0,web-1,web-2';
      }, 'the headless Service to list web-0..2 by hostname', 20_000, 200);

      await c.kubectlOk(['scale', 'statefulset', 'web', '--replicas=1']);
      await waitFor(async () => (await c.client.resource<Pod>(PODS).namespace('default').list({ labelSelector: 'app=nginx' })).items.length === 1, 'only web-0 left', 30_000, 100);
      const web2Gone = log.firstOf('web-2', (e) => e.type === 'DELETED');
      const web1Stopping = log.firstOf('web-1', (e) => e.terminating);
      expect({ web2Gone: web2Gone >= 0, web1AfterWeb2: web1Stopping > web2Gone }).toEqual({ web2Gone: true, web1AfterWeb2: true });
      expect(log.firstOf('web-0', (e) => e.terminating)).toBe(-1);
      expect(await c.kubectlOk(['get', 'statefulset', 'web', '--no-headers'])).toMatch(/^web\s+1\/1\s/);
    } catch (err) {
      throw new Error(`${(err as Error).message}\nwatch transcript:\n${log.transcript()}`);
    } finally {
      await log.stop();
    }
  });

  test('a DaemonSet runs one pod on every node, and on a node added later', async () => {
    await c.create({
      apiVersion: 'apps/v1',
      kind: 'DaemonSet',
      metadata: { name: 'agent' },
      spec: {
        selector: { matchLabels: { app: 'agent' } },
        template: { metadata: { labels: { app: 'agent' } }, spec: { containers: [{ name: 'agent', image: 'registry.k8s.io/pause:3.10' }] } },
      },
    });
    expect(await c.kubectlOk(['rollout', 'status', 'daemonset/agent', '--timeout=60s'])).toContain('daemon set "agent" successfully rolled out');
    const nodesOf = async (): Promise<string[]> => running(await c.livePods('app=agent')).map((p) => p.spec?.nodeName ?? '').sort();
    expect(await nodesOf()).toEqual(['node-0', 'node-1', 'node-2']);

    await c.nodes.addNode('node-3');
    await waitFor(async () => (await nodesOf()).join(',') === 'node-0,node-1,node-2,node-3', 'an agent pod Running on node-3', 30_000, 200);
    await waitFor(async () => /^agent\s+4\s+4\s+4\s+4\s+4\s/.test(await c.kubectlOk(['get', 'daemonset', 'agent', '--no-headers'])), 'kubectl get daemonset: 4 desired, current, ready, up-to-date, available', 20_000, 200);
    const ds = await c.getJson<DaemonSet>(['daemonset', 'agent']);
    expect(ds.status).toMatchObject({ desiredNumberScheduled: 4, currentNumberScheduled: 4, numberReady: 4, numberMisscheduled: 0 });
    // Still exactly one per node: the new node did not get a second pod anywhere.
    expect((await c.livePods('app=agent')).length).toBe(4);
  });

  test('Service endpoints follow readiness: a pod turning not-ready moves to notReadyAddresses and back', async () => {
    await c.kubectlOk(['create', 'deployment', 'ep', '--image=nginx', '--replicas=3']);
    expect(await c.kubectlOk(['rollout', 'status', 'deployment/ep', '--timeout=60s'])).toContain('successfully rolled out');
    await c.kubectlOk(['expose', 'deployment', 'ep', '--port=80']);
    const endpoints = (): Promise<Endpoints> => c.getJson<Endpoints>(['endpoints', 'ep']);
    await waitFor(async () => ((await endpoints()).subsets?.[0]?.addresses ?? []).length === 3, 'three ready addresses', 20_000, 200);
    const pods = (await c.livePods('app=ep')).sort((a, b) => (a.metadata?.name ?? '').localeCompare(b.metadata?.name ?? ''));
    const victim = pods[0]!;
    const name = victim.metadata?.name ?? '';

    await c.setPodReady('default', name, false);
    await waitFor(async () => {
      const s = (await endpoints()).subsets?.[0];
      return (s?.addresses ?? []).length === 2 && (s?.notReadyAddresses ?? []).map((a) => a.targetRef?.name).join() === name;
    }, `${name} in notReadyAddresses`, 20_000, 200);
    const ep = await endpoints();
    expect(ep.subsets?.[0]?.notReadyAddresses?.[0]).toMatchObject({ ip: victim.status?.podIP, nodeName: victim.spec?.nodeName, targetRef: { kind: 'Pod', name, namespace: 'default' } });
    // What a user sees: kubectl lists only the ready addresses.
    const shown = (await c.kubectlOk(['get', 'endpoints', 'ep', '--no-headers'])).split(/\s+/)[1] ?? '';
    expect(shown.split(',').sort()).toEqual(pods.slice(1).map((p) => `${p.status?.podIP ?? ''}:80`).sort());
    expect(isPodReady(await c.client.resource<Pod>(PODS).namespace('default').get(name))).toBe(false);

    await c.setPodReady('default', name, true);
    await waitFor(async () => {
      const s = (await endpoints()).subsets?.[0];
      return (s?.addresses ?? []).length === 3 && (s?.notReadyAddresses ?? []).length === 0;
    }, `${name} ready again`, 20_000, 200);
  });

  /**
   * The HPA scenario on Deployment `app`: 800m of load on one pod requesting 200m = 400% against
   * 50%: 1 -> 4 (the scale-up limit, max(2 x 1, 4)), then 200m each = 100% asks for 8 -> 5
   * (--max); 5 pods at 160m = 80% keep asking for 8. Then 300m over 5 pods = 30% asks for
   * ceil(5 x 30/50) = 3 once the 3 s stabilization window has passed; 3 pods at 100m = 50% are
   * on target, so it stays there.
   */
  async function autoscaleScenario(app: string, createHpa: () => Promise<void>): Promise<void> {
    appLoadMilli.set(app, 800);
    await c.kubectlOk(['create', 'deployment', app, '--image=nginx', '--replicas=1']);
    await c.kubectlOk(['set', 'resources', 'deployment', app, '--requests=cpu=200m']);
    expect(await c.kubectlOk(['rollout', 'status', `deployment/${app}`, '--timeout=60s'])).toContain('successfully rolled out');
    await createHpa();
    const hpaRow = (targets: string, replicas: number): RegExp => new RegExp(`^${app}\\s+Deployment/${app}\\s+cpu: ${targets}\\s+1\\s+5\\s+${replicas}\\s`);
    const getHpa = (): Promise<string> => c.kubectlOk(['get', 'hpa', app, '--no-headers']);
    await waitFor(async () => hpaRow('80%/50%', 5).test(await getHpa()), 'kubectl get hpa: cpu 80%/50%, 5 replicas', 40_000, 250);
    expect(await c.kubectlOk(['get', 'deployment', app, '-o', 'jsonpath={.spec.replicas}'])).toBe('5');
    await waitFor(async () => running(await c.livePods(`app=${app}`)).length === 5, `five running ${app} pods`, 20_000, 200);
    const rescales = (): Promise<string> => c.kubectlOk(['get', 'events', '--field-selector', `involvedObject.kind=HorizontalPodAutoscaler,involvedObject.name=${app},reason=SuccessfulRescale`, '-o', 'jsonpath={range .items[*]}{.message}{"\\n"}{end}']);
    const ups = await rescales();
    expect(ups).toContain('New size: 4; reason: cpu resource utilization (percentage of request) above target');
    expect(ups).toContain('New size: 5; reason: cpu resource utilization (percentage of request) above target');
    expect(await c.kubectlOk(['get', 'hpa', app, '-o', 'jsonpath={.status.conditions[?(@.type=="ScalingLimited")].reason}'])).toBe('TooManyReplicas');

    appLoadMilli.set(app, 300);
    await waitFor(async () => hpaRow('50%/50%', 3).test(await getHpa()), 'kubectl get hpa: cpu 50%/50%, 3 replicas', 40_000, 250);
    await waitFor(async () => (await c.livePods(`app=${app}`)).length === 3, `three ${app} pods left`, 20_000, 200);
    expect(await rescales()).toContain('New size: 3; reason: All metrics below target');
  }

  // kubectl 1.32 `autoscale` POSTs an autoscaling/v1 HorizontalPodAutoscaler (as protobuf); the
  // apiserver stores it as v2, which the controller reads.
  test('kubectl autoscale deployment web --min=1 --max=5 --cpu-percent=50 follows the reported cpu usage', async () => {
    await autoscaleScenario('web', async () => {
      expect(await c.kubectlOk(['autoscale', 'deployment', 'web', '--min=1', '--max=5', '--cpu-percent=50'])).toContain('horizontalpodautoscaler.autoscaling/web autoscaled');
    });
  });

  test('an autoscaling/v2 HPA (what kubectl autoscale makes) scales up on reported cpu usage, to maxReplicas, and down after stabilization', async () => {
    await autoscaleScenario('api', async () => {
      await c.create({
        apiVersion: 'autoscaling/v2',
        kind: 'HorizontalPodAutoscaler',
        metadata: { name: 'api' },
        spec: {
          scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'api' },
          minReplicas: 1,
          maxReplicas: 5,
          metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 50 } } }],
        },
      });
    });
  });
});
