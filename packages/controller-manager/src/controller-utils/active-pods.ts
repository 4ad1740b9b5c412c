// Which pods a controller deletes first when it scales down (pkg/controller's
// ActivePodsWithRanks, with PodDeletionCost and LogarithmicScaleDown on, as in Kubernetes 1.32).
// Sorted ascending, the head of the list is what goes first:
//   1. unscheduled before scheduled;
//   2. Pending before Unknown before Running;
//   3. not ready before ready;
//   4. lower controller.kubernetes.io/pod-deletion-cost first;
//   5. pods doubled up on a node with related pods (higher rank) first;
//   6. ready for less time first (compared on a log2 scale of age, ties by uid);
//   7. more container restarts first;
//   8. newer first (log2 scale of age, ties by uid).
import type { Pod } from '@kubemu/api';
import { isPodActive, isPodReady, parseTime, podReadyTime } from './pod-util';

export const POD_DELETION_COST_ANNOTATION = 'controller.kubernetes.io/pod-deletion-cost';

const PHASE_ORDINAL: Readonly<Record<string, number>> = { Pending: 0, Unknown: 1, Running: 2 };

export interface RankedPod {
  pod: Pod;
  /** How many related active pods share the pod's node. */
  rank: number;
}

function deletionCost(pod: Pod): number {
  const v = pod.metadata?.annotations?.[POD_DELETION_COST_ANNOTATION];
  if (v === undefined) return 0;
  const n = Number.parseInt(v, 10);
  return Number.isFinite(n) ? n : 0;
}

function maxRestarts(pod: Pod): number {
  let max = 0;
  for (const s of [...(pod.status?.initContainerStatuses ?? []), ...(pod.status?.containerStatuses ?? [])]) max = Math.max(max, s.restartCount ?? 0);
  return max;
}

/** floor(log2(age in ns)), -1 for a time not in the past (logarithmicRankDiff). */
function logRank(t: number, now: number): number {
  const ageNs = (now - t) * 1e6;
  return ageNs > 0 ? Math.floor(Math.log2(ageNs)) : -1;
}

/** afterOrZero: a missing time sorts first, otherwise the later time first. */
function afterOrZero(a: number | undefined, b: number | undefined): boolean {
  if (a === undefined || b === undefined) return a === undefined;
  return a > b;
}

/** Compare by time on the log scale when everything is known; -1: a first, 1: b first, 0: equal. */
function compareTimes(a: number | undefined, b: number | undefined, now: number, uidA: string, uidB: string): number {
  if (a === b) return 0;
  if (a === undefined || b === undefined) return afterOrZero(a, b) ? -1 : 1;
  const diff = logRank(a, now) - logRank(b, now);
  if (diff === 0) return uidA < uidB ? -1 : uidA > uidB ? 1 : 0;
  return diff < 0 ? -1 : 1;
}

/** Negative when `a` should be deleted before `b`. */
export function compareForDeletion(a: RankedPod, b: RankedPod, now: number): number {
  const pa = a.pod;
  const pb = b.pod;
  const na = pa.spec?.nodeName ?? '';
  const nb = pb.spec?.nodeName ?? '';
  if (na !== nb && (na === '' || nb === '')) return na === '' ? -1 : 1;
  const oa = PHASE_ORDINAL[pa.status?.phase ?? ''] ?? 0;
  const ob = PHASE_ORDINAL[pb.status?.phase ?? ''] ?? 0;
  if (oa !== ob) return oa - ob;
  const ra = isPodReady(pa);
  const rb = isPodReady(pb);
  if (ra !== rb) return ra ? 1 : -1;
  const ca = deletionCost(pa);
  const cb = deletionCost(pb);
  if (ca !== cb) return ca - cb;
  if (a.rank !== b.rank) return b.rank - a.rank;
  const uidA = pa.metadata?.uid ?? '';
  const uidB = pb.metadata?.uid ?? '';
  if (ra && rb) {
    const c = compareTimes(podReadyTime(pa), podReadyTime(pb), now, uidA, uidB);
    if (c !== 0) return c;
  }
  const rsa = maxRestarts(pa);
  const rsb = maxRestarts(pb);
  if (rsa !== rsb) return rsb - rsa;
  return compareTimes(parseTime(pa.metadata?.creationTimestamp), parseTime(pb.metadata?.creationTimestamp), now, uidA, uidB);
}

/**
 * The `count` pods to delete first (getPodsToDelete): when not all go, rank each by the number
 * of related active pods on its node, then sort.
 */
export function podsToDelete(pods: readonly Pod[], related: readonly Pod[], count: number, now: number): Pod[] {
  if (count >= pods.length) return [...pods];
  const onNode = new Map<string, number>();
  for (const p of related) {
    if (!isPodActive(p)) continue;
    const n = p.spec?.nodeName ?? '';
    onNode.set(n, (onNode.get(n) ?? 0) + 1);
  }
  const ranked = pods.map((pod) => ({ pod, rank: onNode.get(pod.spec?.nodeName ?? '') ?? 0 }));
  ranked.sort((a, b) => compareForDeletion(a, b, now));
  return ranked.slice(0, count).map((r) => r.pod);
}
