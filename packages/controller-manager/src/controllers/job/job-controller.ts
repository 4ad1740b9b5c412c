// The Job controller: runs pods to completion. Informers over jobs and pods; a pod change
// enqueues its Job. Each sync (1) counts finished pods durably: their uids go to
// status.uncountedTerminatedPods, then their batch.kubernetes.io/job-tracking finalizer is
// removed, then they move into succeeded/failed (so a crash or a deleted pod never loses or
// double-counts one); (2) decides whether the Job has met its success criteria, exceeded its
// backoffLimit or activeDeadlineSeconds, and if so stops its pods and, once none is left, writes
// the terminal condition; (3) otherwise keeps min(parallelism, completions - succeeded) pods
// active, waiting out the pod failure backoff before replacing failed ones.
import type { Job, KubeObject, Pod } from '@kubemu/api';
import { selectorFromLabelSelector } from '@kubemu/api';
import { ControllerExpectations, deletedObject, isNotFound, metaNamespaceKey, rfc3339, splitMetaNamespaceKey } from '@kubemu/client';
import type { EventRecorder, HandlerRegistration, RateLimitingQueue, SharedInformer } from '@kubemu/client';
import type { Controller, ControllerContext } from '../../controller';
import { claimObjects, controllerRefOf, errorMessage, newQueue, recheckOwner, runQueueWorkers } from '../../controller-utils';
import { stableStringify } from '../statefulset/controller-history';
import { JobPodManager } from './job-pod-manager';
import {
  JOB_TRACKING_FINALIZER,
  hasCondition,
  hasTrackingFinalizer,
  isActivePod,
  isFailedPod,
  isFinishedPod,
  isJobFinished,
  isReadyPod,
  isTerminatingPod,
  jobSelector,
  restartsOfActivePods,
  setCondition,
} from './job-pods';
import type { JobStatus } from './job-pods';

export const JOBS = { group: 'batch', version: 'v1', resource: 'jobs', namespaced: true } as const;
const PODS = { group: '', version: 'v1', resource: 'pods', namespaced: true } as const;
const ORPHAN_PREFIX = 'orphan-pod:';

const MSG_BACKOFF = 'Job has reached the specified backoff limit';
const MSG_DEADLINE = 'Job was active longer than specified deadline';
const MSG_COMPLETIONS = 'Reached expected number of succeeded pods';

export class JobController implements Controller {
  readonly name = 'job';
  private readonly queue: RateLimitingQueue<string>;
  private readonly jobs: SharedInformer<Job>;
  private readonly pods: SharedInformer<Pod>;
  private readonly recorder: EventRecorder;
  private readonly expectations: ControllerExpectations;
  private readonly manager: JobPodManager;

  constructor(private readonly ctx: ControllerContext) {
    this.queue = newQueue(ctx);
    this.jobs = ctx.informers.forResource<Job>(JOBS);
    this.pods = ctx.informers.forResource<Pod>(PODS);
    this.recorder = ctx.recorder('job-controller');
    this.expectations = new ControllerExpectations(ctx.clock);
    this.manager = new JobPodManager(ctx, this.recorder, this.expectations);
  }

  async run(signal: AbortSignal): Promise<void> {
    const regs: HandlerRegistration[] = [
      this.jobs.addEventHandler({
        onAdd: (j) => this.queue.add(metaNamespaceKey(j)),
        onUpdate: (_, j) => this.queue.add(metaNamespaceKey(j)),
        onDelete: (obj) => {
          const job = deletedObject(obj);
          const key = metaNamespaceKey(job);
          this.expectations.deleteExpectations(key);
          // Pods still holding the tracking finalizer of a deleted Job are released by name.
          for (const p of this.pods.lister().namespace(job.metadata?.namespace ?? '').list()) {
            if (controllerRefOf(p)?.uid === job.metadata?.uid && hasTrackingFinalizer(p)) this.queue.add(ORPHAN_PREFIX + metaNamespaceKey(p));
          }
        },
      }),
      this.pods.addEventHandler({
        onAdd: (p) => this.podChanged(undefined, p),
        onUpdate: (old, p) => this.podChanged(old, p),
        onDelete: (obj) => {
          const p = deletedObject(obj);
          const key = this.jobKey(p);
          if (key === undefined) return;
          if (p.metadata?.deletionTimestamp === undefined) this.expectations.deletionObserved(key);
          this.queue.add(key);
        },
      }),
    ];
    this.ctx.informers.start();
    await runQueueWorkers({ name: this.name, ctx: this.ctx, queue: this.queue, informers: [this.jobs, this.pods], sync: (key) => this.sync(key) }, signal);
    for (const r of regs) r.remove();
  }

  private jobKey(pod: KubeObject): string | undefined {
    const ref = controllerRefOf(pod);
    return ref?.kind === 'Job' ? `${pod.metadata?.namespace ?? ''}/${ref.name}` : undefined;
  }

  private podChanged(old: Pod | undefined, pod: Pod): void {
    const key = this.jobKey(pod);
    if (key === undefined) return;
    if (old === undefined && pod.metadata?.deletionTimestamp === undefined) this.expectations.creationObserved(key);
    if (old !== undefined && old.metadata?.deletionTimestamp === undefined && pod.metadata?.deletionTimestamp !== undefined) this.expectations.deletionObserved(key);
    const job = this.jobs.lister().get(pod.metadata?.namespace ?? '', controllerRefOf(pod)?.name ?? '');
    if ((job === undefined || job.metadata?.uid !== controllerRefOf(pod)?.uid) && hasTrackingFinalizer(pod)) this.queue.add(ORPHAN_PREFIX + metaNamespaceKey(pod));
    else this.queue.add(key);
  }

  private async sync(key: string): Promise<Error | void> {
    if (key.startsWith(ORPHAN_PREFIX)) return this.releaseOrphan(key.slice(ORPHAN_PREFIX.length));
    const { namespace, name } = splitMetaNamespaceKey(key);
    const job = this.jobs.lister().get(namespace, name);
    if (job === undefined) {
      this.expectations.deleteExpectations(key);
      return;
    }
    let selector;
    try {
      selector = selectorFromLabelSelector(jobSelector(job));
    } catch {
      return;
    }
    const jobClient = this.ctx.client.resource<Job>(JOBS).namespace(namespace);
    const { claimed: pods, errors } = await claimObjects(this.pods.lister().namespace(namespace).list(), {
      owner: job,
      ownerApiVersion: 'batch/v1',
      ownerKind: 'Job',
      selector,
      client: this.ctx.client.resource<Pod>(PODS).namespace(namespace),
      canAdopt: () => recheckOwner(() => jobClient.get(name), job),
    });
    if (errors.length > 0) return errors[0];
    if (job.metadata?.deletionTimestamp !== undefined || isJobFinished(job)) return this.manager.removeFinalizers(pods.filter(hasTrackingFinalizer));

    const counted = await this.trackFinishedPods(job, pods);
    if (counted instanceof Error) return counted;
    const { job: cur, status } = counted;
    const err = await this.reconcile(key, cur, pods, status);
    const written = await this.writeStatus(cur, status);
    return err ?? (written instanceof Error ? written : undefined);
  }

  /**
   * Moves newly finished pods into the counters through uncountedTerminatedPods. Returns the Job as
   * last written and the status to build on (counters updated, uncounted emptied).
   */
  private async trackFinishedPods(job: Job, pods: Pod[]): Promise<{ job: Job; status: JobStatus } | Error> {
    const status: JobStatus = structuredClone(job.status ?? {});
    const uncounted = { succeeded: [...(status.uncountedTerminatedPods?.succeeded ?? [])], failed: [...(status.uncountedTerminatedPods?.failed ?? [])] };
    const known = new Set([...uncounted.succeeded, ...uncounted.failed]);
    let added = false;
    for (const pod of pods) {
      const uid = pod.metadata?.uid ?? '';
      if (!hasTrackingFinalizer(pod) || known.has(uid)) continue;
      if (pod.status?.phase === 'Succeeded') uncounted.succeeded.push(uid);
      else if (isFailedPod(pod)) uncounted.failed.push(uid);
      else continue;
      this.manager.observeFinished(pod);
      added = true;
    }
    let cur = job;
    if (added) {
      status.uncountedTerminatedPods = uncounted;
      const written = await this.writeStatus(job, status);
      if (written instanceof Error) return written;
      cur = written;
    }
    if (uncounted.succeeded.length + uncounted.failed.length === 0) return { job: cur, status };
    const inUncounted = new Set([...uncounted.succeeded, ...uncounted.failed]);
    const err = await this.manager.removeFinalizers(pods.filter((p) => hasTrackingFinalizer(p) && inUncounted.has(p.metadata?.uid ?? '')));
    if (err instanceof Error) return err;
    status.succeeded = (status.succeeded ?? 0) + uncounted.succeeded.length;
    status.failed = (status.failed ?? 0) + uncounted.failed.length;
    status.uncountedTerminatedPods = {};
    return { job: cur, status };
  }

  /** Decides the Job's fate for this pass and acts on its pods; fills `status` in place. */
  private async reconcile(key: string, job: Job, pods: Pod[], status: JobStatus): Promise<Error | undefined> {
    const wallNow = this.ctx.clock.wallNow();
    const now = rfc3339(wallNow);
    const spec = job.spec ?? { template: {} };
    const suspended = spec.suspend === true;
    let active = pods.filter(isActivePod);
    const terminating = pods.filter(isTerminatingPod).length;
    const succeeded = status.succeeded ?? 0;
    const failed = status.failed ?? 0;
    if (status.startTime === undefined && !suspended) status.startTime = now;

    let err: Error | undefined;
    let deleted = 0;
    let created = 0;
    if (!hasCondition(job, 'FailureTarget') && !hasCondition(job, 'SuccessCriteriaMet')) {
      const startMs = status.startTime !== undefined ? Date.parse(status.startTime) : undefined;
      const deadlineMs = spec.activeDeadlineSeconds !== undefined && startMs !== undefined && !suspended ? startMs + spec.activeDeadlineSeconds * 1000 : undefined;
      const backoffLimit = spec.backoffLimit ?? 6;
      const restarts = spec.template.spec?.restartPolicy === 'OnFailure' ? restartsOfActivePods(pods) : 0;
      const pastRestartLimit = spec.template.spec?.restartPolicy === 'OnFailure' && (backoffLimit === 0 ? restarts > 0 : restarts >= backoffLimit);
      if (failed > backoffLimit || pastRestartLimit) setCondition(status, 'FailureTarget', 'True', 'BackoffLimitExceeded', MSG_BACKOFF, now);
      else if (deadlineMs !== undefined && wallNow >= deadlineMs) setCondition(status, 'FailureTarget', 'True', 'DeadlineExceeded', MSG_DEADLINE, now);
      else if (spec.completions !== undefined && spec.completions !== null ? succeeded >= spec.completions : succeeded > 0 && active.length === 0) {
        setCondition(status, 'SuccessCriteriaMet', 'True', 'CompletionsReached', MSG_COMPLETIONS, now);
      } else if (deadlineMs !== undefined) {
        this.queue.addAfter(key, deadlineMs - wallNow);
      }
    }
    const target = status.conditions?.find((c) => (c.type === 'FailureTarget' || c.type === 'SuccessCriteriaMet') && c.status === 'True');
    if (target !== undefined) {
      // Finishing: stop what still runs; the terminal condition waits until no pod is left running.
      if (active.length > 0) {
        const r = await this.manager.deletePods(key, job, active);
        deleted = r.deleted;
        err = r.error;
        active = [];
      }
      if (terminating + deleted === 0) {
        const terminal = target.type === 'FailureTarget' ? 'Failed' : 'Complete';
        setCondition(status, terminal, 'True', target.reason ?? '', target.message ?? '', now);
        if (terminal === 'Complete') {
          status.completionTime = now;
          this.recorder.eventf(job, 'Normal', 'Completed', 'Job completed');
        } else {
          this.recorder.eventf(job, 'Warning', target.reason ?? 'Failed', target.message ?? '');
        }
      }
    } else if (suspended) {
      if (active.length > 0) {
        const r = await this.manager.deletePods(key, job, active);
        deleted = r.deleted;
        err = r.error;
        active = [];
      }
      if (!hasCondition(job, 'Suspended')) {
        setCondition(status, 'Suspended', 'True', 'JobSuspended', 'Job suspended', now);
        this.recorder.eventf(job, 'Normal', 'Suspended', 'Job suspended');
      }
    } else {
      if (hasCondition(job, 'Suspended')) {
        setCondition(status, 'Suspended', 'False', 'JobResumed', 'Job resumed', now);
        status.startTime = now;
        this.recorder.eventf(job, 'Normal', 'Resumed', 'Job resumed');
      }
      if (this.expectations.satisfiedExpectations(key)) {
        const r = await this.manager.manage(key, job, pods, active, succeeded);
        created = r.created;
        deleted = r.deleted;
        err = r.error;
        if (r.requeueAfterMs !== undefined) this.queue.addAfter(key, r.requeueAfterMs);
      }
    }
    status.active = Math.max(0, active.length + created - (target === undefined && !suspended ? deleted : 0));
    status.ready = active.filter(isReadyPod).length;
    status.terminating = terminating + deleted;
    status.uncountedTerminatedPods ??= {};
    status.succeeded ??= 0;
    status.failed ??= 0;
    return err;
  }

  /** Writes status when it changed; answers the Job as stored, or an Error to requeue. */
  private async writeStatus(job: Job, status: JobStatus): Promise<Job | Error> {
    if (stableStringify(status) === stableStringify(job.status ?? {})) return job;
    try {
      return await this.ctx.client.resource<Job>(JOBS).namespace(job.metadata?.namespace ?? '').updateStatus({ ...job, status });
    } catch (err) {
      return new Error(`updating status of job ${job.metadata?.name ?? ''}: ${errorMessage(err)}`);
    }
  }

  /** A pod of a Job that is gone: only its tracking finalizer is removed, so that it can go too. */
  private async releaseOrphan(podKey: string): Promise<Error | void> {
    const { namespace, name } = splitMetaNamespaceKey(podKey);
    const pod = this.pods.lister().get(namespace, name);
    if (pod === undefined || !hasTrackingFinalizer(pod)) return;
    const ref = controllerRefOf(pod);
    const job = this.jobs.lister().get(namespace, ref?.name ?? '');
    if (job !== undefined && job.metadata?.uid === ref?.uid && !isJobFinished(job) && job.metadata?.deletionTimestamp === undefined && !isFinishedPod(pod)) return;
    const err = await this.manager.removeFinalizers([pod]);
    return err instanceof Error && !isNotFound(err) ? err : undefined;
  }
}

export function newJobController(ctx: ControllerContext): Controller {
  return new JobController(ctx);
}

export { JOB_TRACKING_FINALIZER };
