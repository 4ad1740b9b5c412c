import type { CronJob, Event, Job } from '@kubemu/api';
import { rfc3339 } from '@kubemu/client';
import { newCronJobController } from './cronjob-controller';
import { parseSchedule } from './cron-schedule';
import { resourceInfo, startController } from '../statefulset/controller-test-harness';
import type { Harness } from '../statefulset/controller-test-harness';

const CRONJOBS = resourceInfo('batch', 'v1', 'cronjobs');
const JOBS = resourceInfo('batch', 'v1', 'jobs');
const EVENTS = resourceInfo('', 'v1', 'events');
const T0 = Date.UTC(2026, 0, 1); // the ManualClock's wall origin
const MINUTE = 60_000;

function cronJob(spec: Partial<NonNullable<CronJob['spec']>> = {}, meta: Partial<NonNullable<CronJob['metadata']>> = {}): CronJob {
  return {
    apiVersion: 'batch/v1',
    kind: 'CronJob',
    metadata: { name: 'hello', namespace: 'default', ...meta },
    spec: {
      schedule: '* * * * *',
      jobTemplate: { metadata: { labels: { app: 'hello' } }, spec: { template: { spec: { restartPolicy: 'OnFailure', containers: [{ name: 'c', image: 'busybox' }] } } } },
      ...spec,
    },
  };
}

const jobName = (minuteOffset: number): string => `hello-${(T0 + minuteOffset * MINUTE) / MINUTE}`;
const jobNames = (h: Harness): string[] => h.fake.objects<Job>(JOBS, 'default').filter((j) => j.metadata?.deletionTimestamp === undefined).map((j) => j.metadata?.name ?? '').sort();
const cjOf = (h: Harness): CronJob | undefined => h.fake.object<CronJob>(CRONJOBS, 'default', 'hello');

/** The job controller's part: a Job finishes. */
async function finishJob(h: Harness, name: string, type: 'Complete' | 'Failed'): Promise<void> {
  const job = h.fake.object<Job>(JOBS, 'default', name) as Job;
  const now = rfc3339(h.clock.wallNow());
  await h.client.resource<Job>(JOBS).namespace('default').updateStatus({
    ...job,
    status: { startTime: job.status?.startTime ?? now, ...(type === 'Complete' ? { completionTime: now, succeeded: 1 } : { failed: 1 }), conditions: [{ type, status: 'True', lastTransitionTime: now }] },
  });
}

describe('cron schedules', () => {
  it('parses five fields and descriptors, and rejects what robfig/cron rejects', () => {
    const at = (expr: string): number | Error => {
      const s = parseSchedule(cronJob({ schedule: expr }));
      return s instanceof Error ? s : s.next(T0);
    };
    expect(at('*/15 * * * *')).toBe(T0 + 15 * MINUTE);
    expect(at('@hourly')).toBe(T0 + 60 * MINUTE);
    expect(at('0 0 * * MON')).toBe(Date.UTC(2026, 0, 5));
    expect((at('* * * *') as Error).message).toBe('expected exactly 5 fields, found 4: [* * * *]');
    expect(at('0 0 * * 1#2')).toBeInstanceOf(Error);
    expect(at('61 * * * *')).toBeInstanceOf(Error);
    const tz = parseSchedule(cronJob({ schedule: '0 9 * * *', timeZone: 'America/New_York' }));
    expect(tz instanceof Error ? tz : tz.next(T0)).toBe(Date.UTC(2026, 0, 1, 14));
  });
});

describe('CronJob controller', () => {
  let h: Harness;
  afterEach(async () => h.stop());

  it('creates <name>-<minutes> Jobs on schedule, records lastScheduleTime, active and lastSuccessfulTime', async () => {
    h = await startController(newCronJobController);
    const cj = await h.client.resource<CronJob>(CRONJOBS).namespace('default').create(cronJob());
    await h.tick(59_000);
    expect(jobNames(h)).toEqual([]);
    await h.tick(2_000);
    await h.until(() => jobNames(h).length === 1, 'first job');
    expect(jobNames(h)).toEqual([jobName(1)]);
    const job = h.fake.object<Job>(JOBS, 'default', jobName(1)) as Job;
    expect(job.metadata?.ownerReferences).toEqual([{ apiVersion: 'batch/v1', kind: 'CronJob', name: 'hello', uid: cj.metadata?.uid, controller: true, blockOwnerDeletion: true }]);
    expect(job.metadata?.labels).toEqual({ app: 'hello' });
    expect(job.metadata?.annotations?.['batch.kubernetes.io/cronjob-scheduled-timestamp']).toBe('2026-01-01T00:01:00Z');
    await h.until(() => cjOf(h)?.status?.active?.length === 1, 'active');
    expect(cjOf(h)?.status?.lastScheduleTime).toBe('2026-01-01T00:01:00Z');
    await finishJob(h, jobName(1), 'Complete');
    await h.until(() => cjOf(h)?.status?.active === undefined && cjOf(h)?.status?.lastSuccessfulTime !== undefined, 'job seen completed');
    await h.until(() => h.events('SawCompletedJob').length === 1, 'event');
    expect(h.events('SawCompletedJob')).toEqual([`SawCompletedJob: Saw completed job: ${jobName(1)}, status: Complete`]);
    expect(h.events('SuccessfulCreate')).toEqual([`SuccessfulCreate: Created job ${jobName(1)}`]);
  });

  it('Forbid skips a run while the previous Job is active, and starts the missed run once it is done', async () => {
    h = await startController(newCronJobController);
    await h.client.resource<CronJob>(CRONJOBS).namespace('default').create(cronJob({ concurrencyPolicy: 'Forbid' }));
    await h.tick(61_000);
    await h.until(() => cjOf(h)?.status?.active?.length === 1, 'first job');
    await h.tick(60_000);
    await h.until(() => h.events('JobAlreadyActive').length >= 1, 'skipped');
    expect(jobNames(h)).toEqual([jobName(1)]);
    expect(h.events('JobAlreadyActive')[0]).toBe('JobAlreadyActive: Not starting job because prior execution is running and concurrency policy is Forbid');
    await finishJob(h, jobName(1), 'Complete');
    // No startingDeadlineSeconds: the run of minute 2 starts late, as soon as minute 1's is done.
    await h.until(() => jobNames(h).includes(jobName(2)), 'missed run');
    await h.tick(60_000);
    // The same event again: the recorder aggregates it into one Event with count 2.
    await h.until(() => (h.fake.objects<Event>(EVENTS, 'default').find((e) => e.reason === 'JobAlreadyActive')?.count ?? 0) >= 2, 'minute 3 skipped');
    expect(jobNames(h)).toEqual([jobName(1), jobName(2)]);
  });

  it('Replace deletes the running Job and starts the new one', async () => {
    h = await startController(newCronJobController);
    await h.client.resource<CronJob>(CRONJOBS).namespace('default').create(cronJob({ concurrencyPolicy: 'Replace' }));
    await h.tick(61_000);
    await h.until(() => cjOf(h)?.status?.active?.length === 1, 'first job');
    await h.tick(60_000);
    await h.until(() => jobNames(h).includes(jobName(2)), 'second job');
    expect(jobNames(h)).toEqual([jobName(2)]);
    expect(cjOf(h)?.status?.active?.map((r) => r.name)).toEqual([jobName(2)]);
    expect(h.events('SuccessfulDelete')).toEqual([`SuccessfulDelete: Deleted job ${jobName(1)}`]);
  });

  it('suspended, it starts nothing; resumed, it starts the most recent missed run', async () => {
    h = await startController(newCronJobController);
    const cjs = h.client.resource<CronJob>(CRONJOBS).namespace('default');
    await cjs.create(cronJob({ suspend: true }));
    await h.tick(3 * MINUTE + 30_000);
    expect(jobNames(h)).toEqual([]);
    await cjs.patch('hello', 'merge', { spec: { suspend: false } });
    await h.until(() => jobNames(h).length === 1, 'job after resume');
    expect(jobNames(h)).toEqual([jobName(3)]);
  });

  it('startingDeadlineSeconds bounds how late a missed run may start', async () => {
    h = await startController(newCronJobController);
    const cjs = h.client.resource<CronJob>(CRONJOBS).namespace('default');
    await cjs.create(cronJob({ suspend: true, startingDeadlineSeconds: 20 }));
    await h.tick(3 * MINUTE + 30_000);
    await cjs.patch('hello', 'merge', { spec: { suspend: false } });
    await h.settle();
    expect(jobNames(h)).toEqual([]);
    await h.tick(29_000);
    expect(jobNames(h)).toEqual([]);
    await h.tick(2_000);
    await h.until(() => jobNames(h).length === 1, 'next run on time');
    expect(jobNames(h)).toEqual([jobName(4)]);
  });

  it('warns of too many missed start times and still starts the most recent', async () => {
    const old = cronJob({}, { uid: 'u-1', creationTimestamp: rfc3339(T0 - 3 * 60 * MINUTE) });
    h = await startController(newCronJobController, [old]);
    await h.until(() => jobNames(h).length === 1, 'job');
    expect(jobNames(h)).toEqual([jobName(0)]);
    expect(h.events('TooManyMissedTimes')).toEqual(['TooManyMissedTimes: too many missed start times: 180. Set or decrease .spec.startingDeadlineSeconds or check clock skew']);
  });

  it('keeps successfulJobsHistoryLimit finished Jobs and deletes older ones', async () => {
    h = await startController(newCronJobController);
    await h.client.resource<CronJob>(CRONJOBS).namespace('default').create(cronJob({ successfulJobsHistoryLimit: 1 }));
    await h.tick(1_000);
    for (let m = 1; m <= 3; m++) {
      await h.tick(MINUTE);
      await h.until(() => jobNames(h).includes(jobName(m)), `job ${m}`);
      await finishJob(h, jobName(m), 'Complete');
      await h.settle();
    }
    await h.until(() => jobNames(h).length === 1, 'history trimmed');
    expect(jobNames(h)).toEqual([jobName(3)]);
  });
});
