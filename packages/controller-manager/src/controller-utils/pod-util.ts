// Pod predicates every workload controller shares (k8s.io/kubernetes/pkg/api/v1/pod and
// pkg/controller's FilterActivePods), on the JSON wire shapes.
import type { Pod } from '@kubemu/api';

type PodCondition = NonNullable<NonNullable<Pod['status']>['conditions']>[number];

/** A pod still counts toward its controller's replicas: not finished and not being deleted. */
export function isPodActive(pod: Pod): boolean {
  const phase = pod.status?.phase;
  return phase !== 'Succeeded' && phase !== 'Failed' && pod.metadata?.deletionTimestamp === undefined;
}

export function podCondition(pod: Pod, type: string): PodCondition | undefined {
  return pod.status?.conditions?.find((c) => c.type === type);
}

/** The Ready condition is True. */
export function isPodReady(pod: Pod): boolean {
  return podCondition(pod, 'Ready')?.status === 'True';
}

/** Wall-clock ms at which the pod last became ready, or undefined if it is not ready. */
export function podReadyTime(pod: Pod): number | undefined {
  const c = podCondition(pod, 'Ready');
  if (c?.status !== 'True' || c.lastTransitionTime === undefined) return undefined;
  const t = Date.parse(c.lastTransitionTime);
  return Number.isNaN(t) ? undefined : t;
}

/**
 * Ready for at least minReadySeconds at wall time `nowMs` (podutil.IsPodAvailable): the ready
 * transition plus minReadySeconds must lie strictly before now.
 */
export function isPodAvailable(pod: Pod, minReadySeconds: number, nowMs: number): boolean {
  if (!isPodReady(pod)) return false;
  if (minReadySeconds <= 0) return true;
  const ready = podReadyTime(pod);
  return ready !== undefined && ready + minReadySeconds * 1000 < nowMs;
}

/** Parses an RFC 3339 timestamp to wall ms (undefined for absent or unparsable values). */
export function parseTime(t: string | undefined): number | undefined {
  if (t === undefined || t === '') return undefined;
  const ms = Date.parse(t);
  return Number.isNaN(ms) ? undefined : ms;
}
