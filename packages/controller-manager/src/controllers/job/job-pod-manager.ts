// The Job controller's hands on pods: creating them (slow start, expectations, the tracking
// finalizer and the job labels), deleting surplus ones, removing tracking finalizers, and the
// pod failure backoff that delays replacements.
import type { Job, Pod } from '@kubemu/api';
import type { ControllerExpectations, EventRecorder } from '@kubemu/client';
import { isNotFound } from '@kubemu/client';
import type { ControllerContext } from '../../controller';
import { PodControl, errorMessage, newControllerRef, podsToDelete, slowStartBatch } from '../../controller-utils';
import { JOB_TRACKING_FINALIZER, isFinishedPod, jobPodLabels, podFinishTime, remainingBackoffMs } from './job-pods';

const PODS = { group: '', version: 'v1', resource: 'pods', namespaced: true } as const;
/** kube's MaxPodCreateDeletePerSync. */
const MAX_POD_CREATE_DELETE_PER_SYNC = 500;

export interface ManageResult {
  created: number;
  deleted: number;
  error?: Error;
  /** The pod failure backoff holds back replacements this much longer. */
  requeueAfterMs?: number;
}

export class JobPodManager {
  private readonly podControl: PodControl;
  /** When each pod was first seen finished: the finish time of pods that report none. */
  private readonly firstSeenFinished = new Map<string, number>();

  constructor(
    private readonly ctx: ControllerContext,
    private readonly recorder: EventRecorder,
    private readonly expectations: ControllerExpectations,
  ) {
    this.podControl = new PodControl(ctx.client, recorder);
  }

  observeFinished(pod: Pod): void {
    const uid = pod.metadata?.uid ?? '';
    if (!this.firstSeenFinished.has(uid)) this.firstSeenFinished.set(uid, this.ctx.clock.wallNow());
  }

  private finishTime = (pod: Pod): number | undefined => podFinishTime(pod, this.firstSeenFinished.get(pod.metadata?.uid ?? ''));

  /** Keeps the Job at its wanted number of active pods. */
  async manage(key: string, job: Job, pods: Pod[], active: Pod[], succeeded: number): Promise<ManageResult> {
    const spec = job.spec ?? { template: {} };
    const parallelism = Math.max(0, spec.parallelism ?? 1);
    let want: number;
    if (spec.completions === undefined || spec.completions === null) want = succeeded > 0 ? active.length : parallelism;
    else want = Math.max(0, Math.min(spec.completions - succeeded, parallelism));
    if (active.length > want) {
      const victims = podsToDelete(active, pods, Math.min(active.length - want, MAX_POD_CREATE_DELETE_PER_SYNC), this.ctx.clock.wallNow());
      const r = await this.deletePods(key, job, victims);
      return { created: 0, deleted: r.deleted, ...(r.error ? { error: r.error } : {}) };
    }
    const diff = Math.min(want - active.length, MAX_POD_CREATE_DELETE_PER_SYNC);
    if (diff <= 0) return { created: 0, deleted: 0 };
    for (const p of pods) if (isFinishedPod(p)) this.observeFinished(p);
    const backoff = remainingBackoffMs(pods, this.finishTime, this.ctx.clock.wallNow());
    if (backoff > 0) return { created: 0, deleted: 0, requeueAfterMs: backoff };
    return this.createPods(key, job, diff);
  }

  private async createPods(key: string, job: Job, count: number): Promise<ManageResult> {
    const template = structuredClone(job.spec?.template ?? {});
    const meta = (template.metadata ??= {});
    meta.labels = { ...(meta.labels ?? {}), ...jobPodLabels(job) };
    meta.finalizers = [...(meta.finalizers ?? []).filter((f) => f !== JOB_TRACKING_FINALIZER), JOB_TRACKING_FINALIZER];
    const ref = newControllerRef(job, 'batch/v1', 'Job');
    this.expectations.expectCreations(key, count);
    let attempted = 0;
    const result = await slowStartBatch(count, 1, async () => {
      attempted++;
      const pod = await this.podControl.createPod(job.metadata?.namespace ?? '', template, job, ref);
      if (pod instanceof Error) {
        this.expectations.creationObserved(key);
        return pod;
      }
      return undefined;
    });
    if (count > attempted) this.expectations.lowerExpectations(key, count - attempted, 0);
    return { created: result.successes, deleted: 0, ...(result.error ? { error: result.error } : {}) };
  }

  /** Deletes pods (each a SuccessfulDelete event); a pod already gone counts as deleted. */
  async deletePods(key: string, job: Job, pods: Pod[]): Promise<{ deleted: number; error?: Error }> {
    this.expectations.expectDeletions(key, pods.length);
    let deleted = 0;
    let error: Error | undefined;
    await Promise.all(
      pods.map(async (pod) => {
        const err = await this.podControl.deletePod(pod.metadata?.namespace ?? '', pod.metadata?.name ?? '', job);
        if (err === undefined || isNotFound(err)) {
          deleted++;
          if (err !== undefined) this.expectations.deletionObserved(key);
          return;
        }
        this.expectations.deletionObserved(key);
        error ??= err;
      }),
    );
    return { deleted, ...(error ? { error } : {}) };
  }

  /** Removes the tracking finalizer, guarded by resourceVersion; pods already gone are fine. */
  async removeFinalizers(pods: Pod[]): Promise<Error | undefined> {
    const client = this.ctx.client.resource<Pod>(PODS);
    let first: Error | undefined;
    await Promise.all(
      pods.map(async (pod) => {
        const finalizers = (pod.metadata?.finalizers ?? []).filter((f) => f !== JOB_TRACKING_FINALIZER);
        try {
          await client.namespace(pod.metadata?.namespace ?? '').patch(pod.metadata?.name ?? '', 'merge', { metadata: { finalizers: finalizers.length > 0 ? finalizers : null, resourceVersion: pod.metadata?.resourceVersion } });
        } catch (err) {
          if (isNotFound(err)) return;
          first ??= new Error(`removing the tracking finalizer of pod ${pod.metadata?.name ?? ''}: ${errorMessage(err)}`);
        }
      }),
    );
    return first;
  }
}
