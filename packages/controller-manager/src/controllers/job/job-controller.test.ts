import type { Job, Pod } from '@kubemu/api';
import { newJobController } from './job-controller';
import { newTtlAfterFinishedController } from './ttl-after-finished-controller';
import { resourceInfo, setPodPhase, startController } from '../statefulset/controller-test-harness';
import type { Harness } from '../statefulset/controller-test-harness';
import type { Controller, ControllerContext } from '../../controller';

const JOBS = resourceInfo('batch', 'v1', 'jobs');

function job(spec: Partial<NonNullable<Job['spec']>> = {}): Job {
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name: 'pi', namespace: 'default' },
    spec: { template: { spec: { restartPolicy: 'Never', containers: [{ name: 'pi', image: 'perl' }] } }, ...spec },
  };
}

const active = (h: Harness): Pod[] => h.pods().filter((p) => p.metadata?.deletionTimestamp === undefined && p.status?.phase !== 'Succeeded' && p.status?.phase !== 'Failed');
const jobOf = (h: Harness): Job | undefined => h.fake.object<Job>(JOBS, 'default', 'pi');
const conditions = (h: Harness): string[] => (jobOf(h)?.status?.conditions ?? []).filter((c) => c.status === 'True').map((c) => `${c.type}/${c.reason ?? ''}`);

/** Both controllers of the batch/v1 Job lifecycle, as one. */
function jobAndTtl(ctx: ControllerContext): Controller {
  const a = newJobController(ctx);
  const b = newTtlAfterFinishedController(ctx);
  return { name: 'job+ttl', run: async (signal) => void (await Promise.all([a.run(signal), b.run(signal)])) };
}

describe('Job controller', () => {
  let h: Harness;
  afterEach(async () => h.stop());

  it('completions=5 parallelism=2 runs at most 2 pods at a time and completes', async () => {
    h = await startController(newJobController);
    const created = await h.client.resource<Job>(JOBS).namespace('default').create(job({ completions: 5, parallelism: 2 }));
    let maxActive = 0;
    let done = 0;
    while (done < 5) {
      await h.until(() => active(h).length > 0, `active pods after ${done}`);
      await h.settle();
      maxActive = Math.max(maxActive, active(h).length);
      const pod = active(h)[0] as Pod;
      await setPodPhase(h, 'default', pod.metadata?.name ?? '', 'Succeeded', false);
      done++;
    }
    await h.until(() => conditions(h).includes('Complete/CompletionsReached'), 'Complete');
    expect(maxActive).toBe(2);
    expect(h.pods().length).toBe(5);
    const status = jobOf(h)?.status;
    expect(status).toMatchObject({ succeeded: 5, failed: 0, active: 0, uncountedTerminatedPods: {} });
    expect(status?.completionTime).toBeDefined();
    expect(status?.startTime).toBeDefined();
    expect(conditions(h)).toEqual(['SuccessCriteriaMet/CompletionsReached', 'Complete/CompletionsReached']);
    expect(jobOf(h)?.status?.conditions?.[1]?.message).toBe('Reached expected number of succeeded pods');
    const pod = h.pods()[0] as Pod;
    expect(pod.metadata?.labels).toMatchObject({ 'batch.kubernetes.io/job-name': 'pi', 'batch.kubernetes.io/controller-uid': created.metadata?.uid, 'job-name': 'pi' });
    expect(pod.metadata?.ownerReferences).toEqual([{ apiVersion: 'batch/v1', kind: 'Job', name: 'pi', uid: created.metadata?.uid, controller: true, blockOwnerDeletion: true }]);
    // Counted pods no longer hold the tracking finalizer.
    expect(h.pods().every((p) => !(p.metadata?.finalizers ?? []).includes('batch.kubernetes.io/job-tracking'))).toBe(true);
    await h.until(() => h.events('Completed').length === 1, 'event');
    expect(h.events('Completed')).toEqual(['Completed: Job completed']);
    expect(h.events('SuccessfulCreate')[0]).toMatch(/^SuccessfulCreate: Created pod: pi-[a-z0-9]{5}$/);
  });

  it('a failing Job retries after 10 s, 20 s, then stops at backoffLimit with BackoffLimitExceeded', async () => {
    h = await startController(newJobController);
    await h.client.resource<Job>(JOBS).namespace('default').create(job({ backoffLimit: 2 }));
    const failOne = async (): Promise<void> => {
      await h.until(() => active(h).length === 1, 'an active pod');
      await setPodPhase(h, 'default', active(h)[0]?.metadata?.name ?? '', 'Failed', false);
      await h.until(() => active(h).length === 0 && (jobOf(h)?.status?.failed ?? 0) === h.pods().length, 'failure counted');
    };
    await failOne();
    await h.tick(9_000);
    expect(active(h)).toHaveLength(0);
    await h.tick(1_000);
    await h.until(() => active(h).length === 1, 'replacement after 10 s');
    await failOne();
    await h.tick(19_000);
    expect(active(h)).toHaveLength(0);
    await h.tick(1_000);
    await h.until(() => active(h).length === 1, 'replacement after 20 s');
    await failOne();
    await h.until(() => conditions(h).includes('Failed/BackoffLimitExceeded'), 'Failed');
    expect(conditions(h)).toEqual(['FailureTarget/BackoffLimitExceeded', 'Failed/BackoffLimitExceeded']);
    expect(jobOf(h)?.status).toMatchObject({ failed: 3, succeeded: 0, active: 0 });
    await h.tick(60_000);
    expect(h.pods()).toHaveLength(3);
    await h.until(() => h.events('BackoffLimitExceeded').length === 1, 'event');
    expect(h.events('BackoffLimitExceeded')).toEqual(['BackoffLimitExceeded: Job has reached the specified backoff limit']);
  });

  it('activeDeadlineSeconds stops the pods and fails the Job with DeadlineExceeded', async () => {
    h = await startController(newJobController);
    await h.client.resource<Job>(JOBS).namespace('default').create(job({ activeDeadlineSeconds: 30, parallelism: 2, completions: 4 }));
    await h.until(() => active(h).length === 2, 'two pods');
    await h.tick(29_000);
    expect(active(h)).toHaveLength(2);
    await h.tick(2_000);
    await h.until(() => conditions(h).includes('Failed/DeadlineExceeded'), 'Failed');
    expect(active(h)).toHaveLength(0);
    expect(jobOf(h)?.status?.conditions?.find((c) => c.type === 'Failed')?.message).toBe('Job was active longer than specified deadline');
  });

  it('suspending deletes the active pods; resuming starts them again', async () => {
    h = await startController(newJobController);
    const jobs = h.client.resource<Job>(JOBS).namespace('default');
    await jobs.create(job({ parallelism: 2, completions: 2 }));
    await h.until(() => active(h).length === 2, 'two pods');
    await jobs.patch('pi', 'merge', { spec: { suspend: true } });
    await h.until(() => active(h).length === 0 && conditions(h).includes('Suspended/JobSuspended'), 'suspended');
    await jobs.patch('pi', 'merge', { spec: { suspend: false } });
    await h.until(() => active(h).length === 2, 'resumed');
    expect(jobOf(h)?.status?.conditions?.find((c) => c.type === 'Suspended')).toMatchObject({ status: 'False', reason: 'JobResumed' });
  });

  it('the TTL-after-finished controller deletes a finished Job ttlSecondsAfterFinished later, foreground', async () => {
    h = await startController(jobAndTtl);
    await h.client.resource<Job>(JOBS).namespace('default').create(job({ ttlSecondsAfterFinished: 60 }));
    await h.until(() => active(h).length === 1, 'pod');
    await setPodPhase(h, 'default', active(h)[0]?.metadata?.name ?? '', 'Succeeded', false);
    await h.until(() => conditions(h).includes('Complete/CompletionsReached'), 'Complete');
    await h.tick(58_000);
    expect(jobOf(h)?.metadata?.deletionTimestamp).toBeUndefined();
    await h.tick(3_000);
    await h.until(() => jobOf(h)?.metadata?.deletionTimestamp !== undefined, 'deleted');
    // Foreground: the garbage collector removes the pods, then the finalizer.
    expect(jobOf(h)?.metadata?.finalizers).toEqual(['foregroundDeletion']);
  });
});
