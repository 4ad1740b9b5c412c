/**
 * Workloads end to end, batch side and node failure (issue 5): a store, the apiserver, the
 * scheduler and the controller-manager as processes, three simulated nodes (testkit) running the
 * pods, kubectl 1.32 as the judge. A Job runs 5 completions 2 at a time; a Job whose pods fail
 * stops at its backoffLimit; a CronJob suspended over one of its schedule times starts no Job
 * until resumed; a node that stops heartbeating goes NotReady and its pods are replaced elsewhere.
 *
 * Timing: the CronJob schedule is `* * * * *`, so one minute boundary must pass while it is
 * suspended. It is created (and suspended) in beforeAll, so that wait overlaps the other tests;
 * the CronJob test itself waits at most ~60 s (its own budget below). The controller-manager runs
 * with --node-monitor-grace-period=4s and the nodes renew their Leases every second.
 */
import type { CronJob, Job, Node, Pod } from '@kubemu/api';
import { waitFor } from '@kubemu/testkit';
import { PODS, PodEventLog, WORKLOADS_E2E_SKIP_REASON, WorkloadsCluster, sleep, workloadsE2eReady } from './support/workloads-cluster';
import type { PodEvent } from './support/workloads-cluster';

jest.setTimeout(60_000);
if (!workloadsE2eReady) console.warn(WORKLOADS_E2E_SKIP_REASON);
const maybe = workloadsE2eReady ? describe : describe.skip;

const JOBS = { group: 'batch', version: 'v1', resource: 'jobs', namespaced: true } as const;
const MINUTE = 60_000;

let c: WorkloadsCluster;
/** The first `* * * * *` schedule time after the CronJob `tick` was created and suspended. */
let missedScheduleTime = 0;

/** The most pods of the watch that were active (neither finished nor gone) at any one time. */
function maxActive(events: readonly PodEvent[]): number {
  const active = new Set<string>();
  let max = 0;
  for (const e of events) {
    if (e.type === 'DELETED' || e.phase === 'Succeeded' || e.phase === 'Failed') active.delete(e.name);
    else active.add(e.name);
    max = Math.max(max, active.size);
  }
  return max;
}

async function jobPods(job: string): Promise<Pod[]> {
  return (await c.client.resource<Pod>(PODS).namespace('default').list({ labelSelector: `job-name=${job}` })).items;
}

maybe('batch workloads and node failure against a real control plane', () => {
  beforeAll(async () => {
    c = await WorkloadsCluster.start({
      prefix: 'kubemu-workloads-batch-',
      controllerManagerFlags: ['--node-monitor-grace-period=4s'],
      nodes: { count: 3, podStartDelayMs: 200, leaseRenewIntervalMs: 1000 },
    });
    // Create and suspend the CronJob well before a minute boundary, so that the next schedule
    // time is certainly one it missed while suspended.
    if (MINUTE - (Date.now() % MINUTE) < 5000) await sleep(MINUTE - (Date.now() % MINUTE) + 500);
    await c.kubectlOk(['create', 'cronjob', 'tick', '--image=busybox', '--schedule=* * * * *', '--', 'date']);
    expect(await c.kubectlOk(['patch', 'cronjob', 'tick', '-p', '{"spec":{"suspend":true}}'])).toContain('cronjob.batch/tick patched');
    const created = Date.parse((await c.getJson<CronJob>(['cronjob', 'tick'])).metadata?.creationTimestamp ?? '');
    missedScheduleTime = Math.floor(created / MINUTE) * MINUTE + MINUTE;
  }, 120_000);

  afterAll(async () => {
    await c?.stop();
  }, 60_000);

  test('a Job with completions=5 and parallelism=2 never has more than 2 active pods and completes', async () => {
    const log = await PodEventLog.start(c.client, 'default', 'job-name=count');
    try {
      await c.create({
        apiVersion: 'batch/v1',
        kind: 'Job',
        metadata: { name: 'count' },
        spec: { completions: 5, parallelism: 2, template: { spec: { restartPolicy: 'Never', containers: [{ name: 'work', image: 'busybox', command: ['true'] }] } } },
      });
      // The pods' containers exit 0 one at a time, each once the Job has the active pods it wants.
      for (let done = 0; done < 5; done++) {
        const want = Math.min(2, 5 - done);
        let runningPods: Pod[] = [];
        await waitFor(async () => (runningPods = (await jobPods('count')).filter((p) => p.status?.phase === 'Running')).length === want, `${want} running pods after ${done} completions`, 20_000, 100);
        await c.nodes.succeedPod('default', runningPods[0]?.metadata?.name ?? '');
      }
      expect(await c.kubectlOk(['wait', '--for=condition=complete', 'job/count', '--timeout=30s'])).toContain('job.batch/count condition met');
      expect(await c.kubectlOk(['get', 'job', 'count', '--no-headers'])).toMatch(/^count\s+Complete\s+5\/5\s/);
      const job = await c.getJson<Job>(['job', 'count']);
      expect(job.status).toMatchObject({ succeeded: 5 });
      expect(job.status?.failed ?? 0).toBe(0);
      expect(job.status?.completionTime).toBeDefined();
      expect((await jobPods('count')).map((p) => p.status?.phase)).toEqual(['Succeeded', 'Succeeded', 'Succeeded', 'Succeeded', 'Succeeded']);
      expect(maxActive(log.events)).toBe(2);
    } catch (err) {
      throw new Error(`${(err as Error).message}\nwatch transcript:\n${log.transcript()}`);
    } finally {
      await log.stop();
    }
  });

  test('a Job whose pods fail is stopped by backoffLimit: Failed, BackoffLimitExceeded', async () => {
    await c.create({
      apiVersion: 'batch/v1',
      kind: 'Job',
      metadata: { name: 'crash' },
      spec: { completions: 2, parallelism: 2, backoffLimit: 1, template: { spec: { restartPolicy: 'Never', containers: [{ name: 'work', image: 'busybox', command: ['false'] }] } } },
    });
    let pods: Pod[] = [];
    await waitFor(async () => (pods = (await jobPods('crash')).filter((p) => p.status?.phase === 'Running')).length === 2, 'two running crash pods', 20_000, 100);
    // Two failures against backoffLimit 1 (the second comes before the 10 s pod-failure backoff ends).
    for (const p of pods) await c.nodes.failPod('default', p.metadata?.name ?? '', { exitCode: 1, reason: 'Error' });
    expect(await c.kubectlOk(['wait', '--for=condition=failed', 'job/crash', '--timeout=30s'])).toContain('job.batch/crash condition met');
    const job = await c.getJson<Job>(['job', 'crash']);
    expect(job.status?.conditions?.find((x) => x.type === 'Failed')).toMatchObject({ status: 'True', reason: 'BackoffLimitExceeded', message: 'Job has reached the specified backoff limit' });
    expect(job.status).toMatchObject({ failed: 2 });
    expect(job.status?.active ?? 0).toBe(0);
    expect(await c.kubectlOk(['get', 'job', 'crash', '--no-headers'])).toMatch(/^crash\s+Failed\s+0\/2\s/);
    const events = await c.kubectlOk(['get', 'events', '--field-selector', 'involvedObject.kind=Job,involvedObject.name=crash,reason=BackoffLimitExceeded', '-o', 'jsonpath={range .items[*]}{.type} {.message}{"\\n"}{end}']);
    expect(events).toContain('Warning Job has reached the specified backoff limit');
    // No replacement was started after the limit was reached.
    await sleep(1000);
    expect(await jobPods('crash')).toHaveLength(2);
  });

  test('a node that stops heartbeating goes NotReady and its pods are replaced on other nodes', async () => {
    // The apiserver gives every pod the default not-ready/unreachable NoExecute tolerations of
    // 300 s unless it has its own: these pods tolerate them for 2 s, so eviction comes quickly.
    const tolerations = ['node.kubernetes.io/not-ready', 'node.kubernetes.io/unreachable'].map((key) => ({ key, operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 2 }));
    await c.create({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'survivor' },
      spec: {
        replicas: 3,
        selector: { matchLabels: { app: 'survivor' } },
        template: { metadata: { labels: { app: 'survivor' } }, spec: { tolerations, containers: [{ name: 'app', image: 'nginx' }] } },
      },
    });
    expect(await c.kubectlOk(['rollout', 'status', 'deployment/survivor', '--timeout=60s'])).toContain('successfully rolled out');
    const before = await c.livePods('app=survivor');
    const victim = before[0]?.spec?.nodeName ?? '';
    const evicted = before.filter((p) => p.spec?.nodeName === victim).map((p) => p.metadata?.name ?? '');
    expect(evicted.length).toBeGreaterThan(0);

    c.nodes.stopHeartbeats(victim);
    try {
      await waitFor(async () => /^\S+\s+NotReady\s/.test(await c.kubectlOk(['get', 'node', victim, '--no-headers'])), `kubectl get node ${victim}: NotReady`, 20_000, 250);
      const node = await c.getJson<Node>(['node', victim]);
      expect(node.status?.conditions?.find((x) => x.type === 'Ready')).toMatchObject({ status: 'Unknown', reason: 'NodeStatusUnknown', message: 'Kubelet stopped posting node status.' });
      await waitFor(async () => ((await c.getJson<Node>(['node', victim])).spec?.taints ?? []).some((t) => t.key === 'node.kubernetes.io/unreachable' && t.effect === 'NoExecute'), 'the unreachable NoExecute taint', 10_000, 200);

      await waitFor(async () => {
        const now = (await c.livePods('app=survivor')).filter((p) => p.status?.phase === 'Running');
        return now.length === 3 && now.every((p) => p.spec?.nodeName !== victim) && now.every((p) => !evicted.includes(p.metadata?.name ?? ''));
      }, `three running survivor pods, none on ${victim}`, 30_000, 250);
      const reasons = await c.kubectlOk(['get', 'events', '--field-selector', `involvedObject.kind=Pod,involvedObject.name=${evicted[0] ?? ''},reason=TaintManagerEviction`, '-o', 'jsonpath={.items[*].message}']);
      expect(reasons).toContain(`Marking for deletion Pod default/${evicted[0] ?? ''}`);
      expect(await c.kubectlOk(['rollout', 'status', 'deployment/survivor', '--timeout=30s'])).toContain('successfully rolled out');
    } finally {
      await c.nodes.resumeHeartbeats(victim);
    }
    await waitFor(async () => /^\S+\s+Ready\s/.test(await c.kubectlOk(['get', 'node', victim, '--no-headers'])), `${victim} Ready again`, 20_000, 250);
    await waitFor(async () => ((await c.getJson<Node>(['node', victim])).spec?.taints ?? []).length === 0, `${victim} untainted`, 20_000, 250);
  });

  // Budget: up to ~65 s, the wait for a minute boundary (less the time the tests above took).
  test('a CronJob suspended over its schedule time starts no Job; resumed, it starts the missed one', async () => {
    const wait = missedScheduleTime + 2000 - Date.now();
    if (wait > 0) await sleep(wait);
    const owned = async (): Promise<Job[]> => (await c.client.resource<Job>(JOBS).namespace('default').list()).items.filter((j) => j.metadata?.ownerReferences?.some((o) => o.kind === 'CronJob' && o.name === 'tick'));
    expect(await owned()).toEqual([]);
    expect(await c.kubectlOk(['get', 'cronjob', 'tick', '--no-headers'])).toMatch(/^tick\s+\* \* \* \* \*\s+<none>\s+True\s+0\s+<none>\s/);

    expect(await c.kubectlOk(['patch', 'cronjob', 'tick', '-p', '{"spec":{"suspend":false}}'])).toContain('cronjob.batch/tick patched');
    const expected = `tick-${missedScheduleTime / MINUTE}`;
    await waitFor(async () => (await owned()).map((j) => j.metadata?.name).join() === expected, `the Job ${expected} for the missed schedule time`, 10_000, 200);
    const cj = await c.getJson<CronJob>(['cronjob', 'tick']);
    expect(cj.status?.lastScheduleTime).toBe(new Date(missedScheduleTime).toISOString().replace('.000Z', 'Z'));
    expect(cj.status?.active?.map((r) => r.name)).toEqual([expected]);
    expect(await c.kubectlOk(['get', 'cronjob', 'tick', '--no-headers'])).toMatch(/^tick\s+\* \* \* \* \*\s+<none>\s+False\s+1\s+\d+s\s/);
    const created = await c.kubectlOk(['get', 'events', '--field-selector', 'involvedObject.kind=CronJob,involvedObject.name=tick,reason=SuccessfulCreate', '-o', 'jsonpath={.items[*].message}']);
    expect(created).toContain(`Created job ${expected}`);
  }, 90_000);
});
