// The CronJob controller (kube's v2 controller): for each CronJob, reconcile status.active with
// the Jobs it owns, then, unless suspended, start a Job for the most recent unmet schedule time
// (named <cronjob>-<minutes since the epoch>, so a retried start can never make two Jobs),
// honouring startingDeadlineSeconds and concurrencyPolicy; trim finished Jobs to the history
// limits; and requeue itself for the next schedule time (+100 ms, as kube does).
import type { CronJob, Job, KubeObject } from '@kubemu/api';
import { deletedObject, isAlreadyExists, isNotFound, metaNamespaceKey, objectReference, rfc3339, splitMetaNamespaceKey } from '@kubemu/client';
import type { EventRecorder, HandlerRegistration, ObjectReference, RateLimitingQueue, SharedInformer } from '@kubemu/client';
import type { Controller, ControllerContext } from '../../controller';
import { controllerRefOf, errorMessage, newControllerRef, newQueue, runQueueWorkers } from '../../controller-utils';
import { stableStringify } from '../statefulset/controller-history';
import { isJobFinished } from '../job/job-pods';
import { jobNameFor, mostRecentScheduleTime, parseSchedule, rfc1123z, validTimeZone } from './cron-schedule';
import type { Schedule } from './cron-schedule';

const CRONJOBS = { group: 'batch', version: 'v1', resource: 'cronjobs', namespaced: true } as const;
const JOBS = { group: 'batch', version: 'v1', resource: 'jobs', namespaced: true } as const;
export const SCHEDULED_TIMESTAMP_ANNOTATION = 'batch.kubernetes.io/cronjob-scheduled-timestamp';
/** kube's nextScheduleDelta: requeue a little after the schedule time, against clock skew. */
const NEXT_SCHEDULE_DELTA_MS = 100;

type CronJobStatus = NonNullable<CronJob['status']>;

function finishedType(job: Job): 'Complete' | 'Failed' | undefined {
  const c = (job.status?.conditions ?? []).find((x) => (x.type === 'Complete' || x.type === 'Failed') && x.status === 'True');
  return c?.type as 'Complete' | 'Failed' | undefined;
}

function parseMs(t: string | undefined): number | undefined {
  if (t === undefined) return undefined;
  const ms = Date.parse(t);
  return Number.isNaN(ms) ? undefined : ms;
}

export class CronJobController implements Controller {
  readonly name = 'cronjob';
  private readonly queue: RateLimitingQueue<string>;
  private readonly cronJobs: SharedInformer<CronJob>;
  private readonly jobs: SharedInformer<Job>;
  private readonly recorder: EventRecorder;

  constructor(private readonly ctx: ControllerContext) {
    this.queue = newQueue(ctx);
    this.cronJobs = ctx.informers.forResource<CronJob>(CRONJOBS);
    this.jobs = ctx.informers.forResource<Job>(JOBS);
    this.recorder = ctx.recorder('cronjob-controller');
  }

  async run(signal: AbortSignal): Promise<void> {
    const owner = (j: KubeObject): void => {
      const ref = controllerRefOf(j);
      if (ref?.kind === 'CronJob') this.queue.add(`${j.metadata?.namespace ?? ''}/${ref.name}`);
    };
    const regs: HandlerRegistration[] = [
      this.cronJobs.addEventHandler({
        onAdd: (cj) => this.queue.add(metaNamespaceKey(cj)),
        onUpdate: (_, cj) => this.queue.add(metaNamespaceKey(cj)),
        onDelete: (cj) => this.queue.add(metaNamespaceKey(deletedObject(cj))),
      }),
      this.jobs.addEventHandler({ onAdd: owner, onUpdate: (_, j) => owner(j), onDelete: (j) => owner(deletedObject(j)) }),
    ];
    this.ctx.informers.start();
    await runQueueWorkers({ name: this.name, ctx: this.ctx, queue: this.queue, informers: [this.cronJobs, this.jobs], sync: (key) => this.sync(key) }, signal);
    for (const r of regs) r.remove();
  }

  private async sync(key: string): Promise<Error | void> {
    const { namespace, name } = splitMetaNamespaceKey(key);
    let cj = this.cronJobs.lister().get(namespace, name);
    if (cj === undefined) return;
    const jobs = this.jobs.lister().namespace(namespace).list().filter((j) => controllerRefOf(j)?.uid === cj?.metadata?.uid);
    const fresh = await this.reconcileActive(cj, jobs);
    if (fresh instanceof Error) return fresh;
    cj = fresh.cj;
    const status = fresh.status;
    let err: Error | undefined;
    if (cj.metadata?.deletionTimestamp === undefined) err = await this.schedule(key, cj, status);
    await this.cleanupFinishedJobs(cj, jobs, status);
    const written = await this.writeStatus(cj, status);
    return err ?? written;
  }

  /** Brings status.active and lastSuccessfulTime in line with the Jobs that exist. */
  private async reconcileActive(cj: CronJob, jobs: Job[]): Promise<{ cj: CronJob; status: CronJobStatus } | Error> {
    let status: CronJobStatus = structuredClone(cj.status ?? {});
    const inActive = (uid: string | undefined): boolean => (status.active ?? []).some((r) => r.uid === uid);
    for (const job of jobs) {
      const finished = finishedType(job);
      if (!inActive(job.metadata?.uid) && finished === undefined) {
        // Perhaps our own status write is not in the cache yet: ask the apiserver before complaining.
        try {
          const live = await this.ctx.client.resource<CronJob>(CRONJOBS).namespace(cj.metadata?.namespace ?? '').get(cj.metadata?.name ?? '');
          if ((live.status?.active ?? []).some((r) => r.uid === job.metadata?.uid)) {
            cj = live;
            status = structuredClone(live.status ?? {});
            continue;
          }
        } catch (err) {
          return new Error(`getting cronjob ${cj.metadata?.name ?? ''}: ${errorMessage(err)}`);
        }
        this.recorder.eventf(cj, 'Warning', 'UnexpectedJob', 'Saw a job that the controller did not create or forgot: %s', job.metadata?.name);
      } else if (inActive(job.metadata?.uid) && finished !== undefined) {
        status.active = (status.active ?? []).filter((r) => r.uid !== job.metadata?.uid);
        this.recorder.eventf(cj, 'Normal', 'SawCompletedJob', 'Saw completed job: %s, status: %s', job.metadata?.name, finished);
      }
      const completed = parseMs(job.status?.completionTime);
      if (finished === 'Complete' && completed !== undefined && (parseMs(status.lastSuccessfulTime) ?? -Infinity) < completed) {
        status.lastSuccessfulTime = job.status?.completionTime;
      }
    }
    const present = new Set(jobs.map((j) => j.metadata?.uid));
    for (const ref of [...(status.active ?? [])]) {
      if (present.has(ref.uid)) continue;
      try {
        await this.ctx.client.resource<Job>(JOBS).namespace(ref.namespace ?? '').get(ref.name ?? '');
      } catch (err) {
        if (!isNotFound(err)) return new Error(`getting job ${ref.name ?? ''}: ${errorMessage(err)}`);
        this.recorder.eventf(cj, 'Normal', 'MissingJob', 'Active job went missing: %s', ref.name);
        status.active = (status.active ?? []).filter((r) => r.uid !== ref.uid);
      }
    }
    return { cj, status };
  }

  /** Starts the Job of the most recent unmet schedule time, if the policies allow; requeues for the next. */
  private async schedule(key: string, cj: CronJob, status: CronJobStatus): Promise<Error | undefined> {
    const tz = cj.spec?.timeZone;
    if (tz !== undefined && tz !== null && !validTimeZone(tz)) {
      this.recorder.eventf(cj, 'Warning', 'UnknownTimeZone', 'invalid timeZone: %s: unknown time zone %s', JSON.stringify(tz), tz);
      return undefined;
    }
    if (cj.spec?.suspend === true) return undefined;
    const sched = parseSchedule(cj);
    if (sched instanceof Error) {
      this.recorder.eventf(cj, 'Warning', 'UnparseableSchedule', 'unparseable schedule: %s : %s', JSON.stringify(cj.spec?.schedule ?? ''), sched.message);
      return undefined;
    }
    const now = this.ctx.clock.wallNow();
    const lastSchedule = parseMs(status.lastScheduleTime);
    let earliest = lastSchedule ?? parseMs(cj.metadata?.creationTimestamp) ?? now;
    const deadline = cj.spec?.startingDeadlineSeconds;
    if (deadline !== undefined && deadline !== null) earliest = Math.max(earliest, now - deadline * 1000);
    const requeue = (): void => this.queue.addAfter(key, this.nextDelay(sched, lastSchedule ?? parseMs(cj.metadata?.creationTimestamp) ?? now, now));
    const recent = earliest > now ? { missed: 0 } : mostRecentScheduleTime(sched, earliest, now);
    if (recent.missed > 100) {
      this.recorder.eventf(cj, 'Warning', 'TooManyMissedTimes', 'too many missed start times: %d. Set or decrease .spec.startingDeadlineSeconds or check clock skew', recent.missed);
    }
    const scheduled = recent.time;
    if (scheduled === undefined) {
      requeue();
      return undefined;
    }
    if (deadline !== undefined && deadline !== null && scheduled + deadline * 1000 < now) {
      this.recorder.eventf(cj, 'Warning', 'MissSchedule', 'Missed scheduled time to start a job: %s', rfc1123z(scheduled));
      requeue();
      return undefined;
    }
    const jobName = jobNameFor(cj, scheduled);
    if ((status.active ?? []).some((r) => r.name === jobName) || lastSchedule === scheduled) {
      requeue();
      return undefined;
    }
    const policy = cj.spec?.concurrencyPolicy ?? 'Allow';
    if (policy === 'Forbid' && (status.active ?? []).length > 0) {
      this.recorder.eventf(cj, 'Normal', 'JobAlreadyActive', 'Not starting job because prior execution is running and concurrency policy is Forbid');
      requeue();
      return undefined;
    }
    if (policy === 'Replace') {
      for (const ref of [...(status.active ?? [])]) {
        const err = await this.deleteJob(cj, ref.namespace ?? '', ref.name ?? '');
        if (err !== undefined) return err;
        status.active = (status.active ?? []).filter((r) => r.uid !== ref.uid);
      }
    }
    const created = await this.createJob(cj, jobName, scheduled);
    if (created instanceof Error) return created;
    status.active = [...(status.active ?? []), jobReference(created)];
    status.lastScheduleTime = rfc3339(scheduled);
    this.queue.addAfter(key, this.nextDelay(sched, scheduled, now));
    return undefined;
  }

  private nextDelay(sched: Schedule, from: number, now: number): number {
    const recent = mostRecentScheduleTime(sched, from, now).time ?? from;
    return Math.max(0, sched.next(recent) + NEXT_SCHEDULE_DELTA_MS - now);
  }

  private async createJob(cj: CronJob, name: string, scheduled: number): Promise<Job | Error> {
    const tpl = cj.spec?.jobTemplate ?? {};
    const job: Job = {
      apiVersion: 'batch/v1',
      kind: 'Job',
      metadata: {
        name,
        namespace: cj.metadata?.namespace ?? '',
        labels: { ...(tpl.metadata?.labels ?? {}) },
        annotations: { ...(tpl.metadata?.annotations ?? {}), [SCHEDULED_TIMESTAMP_ANNOTATION]: rfc3339(scheduled) },
        ownerReferences: [newControllerRef(cj, 'batch/v1', 'CronJob')],
      },
      spec: structuredClone(tpl.spec ?? { template: {} }),
    };
    const jobs = this.ctx.client.resource<Job>(JOBS).namespace(cj.metadata?.namespace ?? '');
    try {
      const created = await jobs.create(job);
      this.recorder.eventf(cj, 'Normal', 'SuccessfulCreate', 'Created job %s', name);
      return created;
    } catch (err) {
      if (isAlreadyExists(err)) {
        // Created by an earlier pass that crashed before recording it: take it if it is ours.
        const existing = await jobs.get(name).catch(() => undefined);
        if (existing !== undefined && controllerRefOf(existing)?.uid === cj.metadata?.uid) return existing;
        return new Error(`job ${name} already exists`);
      }
      this.recorder.eventf(cj, 'Warning', 'FailedCreate', 'Error creating job: %s', errorMessage(err));
      return new Error(`creating job ${name}: ${errorMessage(err)}`);
    }
  }

  private async deleteJob(cj: CronJob, namespace: string, name: string): Promise<Error | undefined> {
    try {
      await this.ctx.client.resource<Job>(JOBS).namespace(namespace).delete(name, { propagationPolicy: 'Background' });
      this.recorder.eventf(cj, 'Normal', 'SuccessfulDelete', 'Deleted job %s', name);
      return undefined;
    } catch (err) {
      if (isNotFound(err)) return undefined;
      this.recorder.eventf(cj, 'Warning', 'FailedDelete', 'Deleted job: %s', errorMessage(err));
      return new Error(`deleting job ${name}: ${errorMessage(err)}`);
    }
  }

  /** Keeps the newest successfulJobsHistoryLimit Complete and failedJobsHistoryLimit Failed Jobs. */
  private async cleanupFinishedJobs(cj: CronJob, jobs: Job[], status: CronJobStatus): Promise<void> {
    const byStart = (a: Job, b: Job): number => (parseMs(a.status?.startTime) ?? Infinity) - (parseMs(b.status?.startTime) ?? Infinity) || (a.metadata?.name ?? '').localeCompare(b.metadata?.name ?? '');
    const live = jobs.filter((j) => j.metadata?.deletionTimestamp === undefined && isJobFinished(j));
    const trim = async (list: Job[], limit: number | undefined): Promise<void> => {
      if (limit === undefined || limit === null) return;
      const sorted = list.sort(byStart);
      for (const job of sorted.slice(0, Math.max(0, sorted.length - limit))) {
        const err = await this.deleteJob(cj, job.metadata?.namespace ?? '', job.metadata?.name ?? '');
        if (err === undefined) status.active = (status.active ?? []).filter((r) => r.uid !== job.metadata?.uid);
      }
    };
    await trim(live.filter((j) => finishedType(j) === 'Complete'), cj.spec?.successfulJobsHistoryLimit);
    await trim(live.filter((j) => finishedType(j) === 'Failed'), cj.spec?.failedJobsHistoryLimit);
  }

  private async writeStatus(cj: CronJob, status: CronJobStatus): Promise<Error | undefined> {
    if ((status.active ?? []).length === 0) delete status.active;
    if (stableStringify(status) === stableStringify(cj.status ?? {})) return undefined;
    try {
      await this.ctx.client.resource<CronJob>(CRONJOBS).namespace(cj.metadata?.namespace ?? '').updateStatus({ ...cj, status });
      return undefined;
    } catch (err) {
      return new Error(`updating status of cronjob ${cj.metadata?.name ?? ''}: ${errorMessage(err)}`);
    }
  }
}

function jobReference(job: Job): ObjectReference {
  return objectReference({ ...job, apiVersion: 'batch/v1', kind: 'Job' });
}

export function newCronJobController(ctx: ControllerContext): Controller {
  return new CronJobController(ctx);
}
