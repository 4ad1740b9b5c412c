// How the Job controller reads a Job and its pods: which pods are active, terminating or
// finished, the labels and finalizer its pods carry, conditions, and the pod failure backoff
// (10 s after the first failure since the last success, doubling, capped at 6 minutes).
import type { Job, Pod } from '@kubemu/api';
import { isPodReady, parseTime } from '../../controller-utils';

export const JOB_TRACKING_FINALIZER = 'batch.kubernetes.io/job-tracking';
export const CONTROLLER_UID_LABEL = 'batch.kubernetes.io/controller-uid';
export const JOB_NAME_LABEL = 'batch.kubernetes.io/job-name';
/** The legacy label names, still set beside the batch.kubernetes.io ones. */
export const LEGACY_CONTROLLER_UID_LABEL = 'controller-uid';
export const LEGACY_JOB_NAME_LABEL = 'job-name';

export const DEFAULT_BACKOFF_MS = 10_000;
export const MAX_BACKOFF_MS = 6 * 60_000;

export type JobCondition = NonNullable<NonNullable<Job['status']>['conditions']>[number];
export type JobStatus = NonNullable<Job['status']>;

/** The labels a Job's pods carry (the apiserver puts them on the template; pods get them regardless). */
export function jobPodLabels(job: Job): Record<string, string> {
  const uid = job.metadata?.uid ?? '';
  const name = job.metadata?.name ?? '';
  return { [CONTROLLER_UID_LABEL]: uid, [JOB_NAME_LABEL]: name, [LEGACY_CONTROLLER_UID_LABEL]: uid, [LEGACY_JOB_NAME_LABEL]: name };
}

/** spec.selector, or the controller-uid selector the apiserver generates when it is unset. */
export function jobSelector(job: Job): NonNullable<NonNullable<Job['spec']>['selector']> {
  return job.spec?.selector ?? { matchLabels: { [CONTROLLER_UID_LABEL]: job.metadata?.uid ?? '' } };
}

export function condition(job: Job, type: string): JobCondition | undefined {
  return job.status?.conditions?.find((c) => c.type === type);
}

export function hasCondition(job: Job, type: string): boolean {
  return condition(job, type)?.status === 'True';
}

/** Complete or Failed: the Job is done and its pods are left alone. */
export function isJobFinished(job: Job): boolean {
  return hasCondition(job, 'Complete') || hasCondition(job, 'Failed');
}

/** When the Job finished (the terminal condition's transition), in wall ms. */
export function jobFinishTime(job: Job): number | undefined {
  const c = [condition(job, 'Complete'), condition(job, 'Failed')].find((x) => x?.status === 'True');
  return parseTime(c?.lastTransitionTime);
}

/** Sets (or replaces) a condition; the transition time moves only when the status changes. */
export function setCondition(status: JobStatus, type: string, value: 'True' | 'False', reason: string, message: string, now: string): void {
  const list = (status.conditions ??= []);
  const existing = list.find((c) => c.type === type);
  if (existing === undefined) {
    list.push({ type, status: value, reason, message, lastProbeTime: now, lastTransitionTime: now });
    return;
  }
  if (existing.status !== value) existing.lastTransitionTime = now;
  existing.status = value;
  existing.reason = reason;
  existing.message = message;
  existing.lastProbeTime = now;
}

export function isFinishedPod(pod: Pod): boolean {
  return pod.status?.phase === 'Succeeded' || pod.status?.phase === 'Failed';
}

/** A pod the Job counts as failed: it failed, or it was deleted before succeeding (TerminatingOrFailed). */
export function isFailedPod(pod: Pod): boolean {
  return pod.status?.phase === 'Failed' || (pod.metadata?.deletionTimestamp !== undefined && pod.status?.phase !== 'Succeeded');
}

export function isActivePod(pod: Pod): boolean {
  return !isFinishedPod(pod) && pod.metadata?.deletionTimestamp === undefined;
}

export function isTerminatingPod(pod: Pod): boolean {
  return !isFinishedPod(pod) && pod.metadata?.deletionTimestamp !== undefined;
}

export function hasTrackingFinalizer(pod: Pod): boolean {
  return (pod.metadata?.finalizers ?? []).includes(JOB_TRACKING_FINALIZER);
}

export function isReadyPod(pod: Pod): boolean {
  return isActivePod(pod) && isPodReady(pod);
}

/** Container restarts of active pods, which count against backoffLimit under restartPolicy OnFailure. */
export function restartsOfActivePods(pods: readonly Pod[]): number {
  let n = 0;
  for (const p of pods) {
    if (!isActivePod(p)) continue;
    for (const s of [...(p.status?.initContainerStatuses ?? []), ...(p.status?.containerStatuses ?? [])]) n += s.restartCount ?? 0;
  }
  return n;
}

/** When a finished pod finished: its last container's finishedAt, else `fallback` (when first seen finished). */
export function podFinishTime(pod: Pod, fallback: number | undefined): number | undefined {
  let latest: number | undefined;
  for (const s of [...(pod.status?.initContainerStatuses ?? []), ...(pod.status?.containerStatuses ?? [])]) {
    const t = parseTime(s.state?.terminated?.finishedAt);
    if (t !== undefined && (latest === undefined || t > latest)) latest = t;
  }
  return latest ?? parseTime(pod.metadata?.deletionTimestamp) ?? fallback;
}

/**
 * How long before the Job may create a replacement pod: failures since the last success double
 * the delay from 10 s, up to 6 minutes, counted from the last failure.
 */
export function remainingBackoffMs(pods: readonly Pod[], finishTime: (p: Pod) => number | undefined, wallNow: number): number {
  let lastSuccess = -Infinity;
  for (const p of pods) {
    if (p.status?.phase !== 'Succeeded') continue;
    lastSuccess = Math.max(lastSuccess, finishTime(p) ?? -Infinity);
  }
  let failures = 0;
  let lastFailure = -Infinity;
  for (const p of pods) {
    if (!isFailedPod(p)) continue;
    const t = finishTime(p) ?? wallNow;
    if (t < lastSuccess) continue;
    failures++;
    lastFailure = Math.max(lastFailure, t);
  }
  if (failures === 0) return 0;
  const delay = Math.min(MAX_BACKOFF_MS, DEFAULT_BACKOFF_MS * 2 ** (failures - 1));
  return Math.max(0, lastFailure + delay - wallNow);
}
