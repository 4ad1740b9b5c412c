// What one DaemonSet sync decides, as a pure function of the set, the nodes and the set's pods:
// which nodes need a pod, which pods go (misplaced, duplicate, failed, on a vanished node, or
// replaced by a rolling update within maxUnavailable), and the status counters.
import type { DaemonSet, Node, Pod } from '@kubemu/api';
import { isPodAvailable, isPodReady } from '../../controller-utils';
import { CONTROLLER_REVISION_HASH_LABEL } from '../statefulset/controller-history';
import { nodeShouldRunDaemonPod, targetNodeName } from './daemon-placement';

export interface DaemonPlan {
  /** Nodes that should run the daemon and have no pod for it. */
  create: string[];
  /** Pods to delete, by name. */
  delete: Pod[];
  status: NonNullable<DaemonSet['status']>;
}

function isActive(pod: Pod): boolean {
  return pod.metadata?.deletionTimestamp === undefined && pod.status?.phase !== 'Failed' && pod.status?.phase !== 'Succeeded';
}

function creationTime(pod: Pod): number {
  const t = Date.parse(pod.metadata?.creationTimestamp ?? '');
  return Number.isNaN(t) ? 0 : t;
}

/** maxUnavailable as a count of desiredNumberScheduled (percentages round up), at least 1 when 0 would stall. */
export function resolveMaxUnavailable(ds: DaemonSet, desired: number): number {
  const v = ds.spec?.updateStrategy?.rollingUpdate?.maxUnavailable ?? 1;
  let n: number;
  if (typeof v === 'string' && v.endsWith('%')) n = Math.ceil((Number.parseInt(v, 10) * desired) / 100);
  else n = typeof v === 'number' ? v : Number.parseInt(v, 10);
  if (Number.isNaN(n)) n = 1;
  const surge = ds.spec?.updateStrategy?.rollingUpdate?.maxSurge ?? 0;
  return n === 0 && (surge === 0 || surge === '0%') ? 1 : n;
}

export function planDaemonSet(ds: DaemonSet, nodes: readonly Node[], pods: readonly Pod[], hash: string, wallNow: number): DaemonPlan {
  const minReady = ds.spec?.minReadySeconds ?? 0;
  const byNode = new Map<string, Pod[]>();
  const orphaned: Pod[] = [];
  const nodeNames = new Set(nodes.map((n) => n.metadata?.name ?? ''));
  for (const pod of pods) {
    const node = targetNodeName(pod);
    if (node === undefined || !nodeNames.has(node)) {
      if (isActive(pod)) orphaned.push(pod); // its node is gone (or it never had one)
      continue;
    }
    const list = byNode.get(node) ?? [];
    list.push(pod);
    byNode.set(node, list);
  }
  const create: string[] = [];
  const del: Pod[] = [...orphaned];
  const status: DaemonPlan['status'] = {
    currentNumberScheduled: 0,
    desiredNumberScheduled: 0,
    numberMisscheduled: 0,
    numberReady: 0,
    numberAvailable: 0,
    numberUnavailable: 0,
    updatedNumberScheduled: 0,
    observedGeneration: ds.metadata?.generation ?? 0,
  };
  // Per node: the pod that stays (the oldest active one), for the rolling update below.
  const kept = new Map<string, Pod>();
  for (const node of nodes) {
    const name = node.metadata?.name ?? '';
    const { shouldRun, shouldContinueRunning } = nodeShouldRunDaemonPod(node, ds);
    const onNode = byNode.get(name) ?? [];
    const active = onNode.filter(isActive).sort((a, b) => creationTime(a) - creationTime(b));
    const failed = onNode.filter((p) => p.metadata?.deletionTimestamp === undefined && p.status?.phase === 'Failed');
    if (shouldRun) {
      status.desiredNumberScheduled++;
      if (onNode.some((p) => p.metadata?.deletionTimestamp === undefined)) status.currentNumberScheduled++;
      const pod = active[0];
      if (pod !== undefined) {
        if (isPodReady(pod)) status.numberReady++;
        if (isPodAvailable(pod, minReady, wallNow)) status.numberAvailable = (status.numberAvailable ?? 0) + 1;
        if (pod.metadata?.labels?.[CONTROLLER_REVISION_HASH_LABEL] === hash) status.updatedNumberScheduled = (status.updatedNumberScheduled ?? 0) + 1;
      }
    } else if (onNode.some(isActive)) {
      status.numberMisscheduled++;
    }
    if (shouldContinueRunning) {
      // A failed daemon pod is deleted and, once gone, replaced.
      del.push(...failed);
      const first = active[0];
      if (first === undefined) {
        if (shouldRun && failed.length === 0 && !onNode.some((p) => p.metadata?.deletionTimestamp !== undefined)) create.push(name);
      } else {
        kept.set(name, first);
        del.push(...active.slice(1)); // more than one: keep the oldest
      }
    } else {
      del.push(...active);
    }
  }
  status.numberUnavailable = status.desiredNumberScheduled - (status.numberAvailable ?? 0);
  if (ds.spec?.updateStrategy?.type !== 'OnDelete') del.push(...rollingUpdateVictims(ds, kept, hash, status, minReady, wallNow));
  return { create, delete: del, status };
}

/**
 * Old pods to replace now: every old pod that is not available (it counts as unavailable
 * already), then old available pods while the unavailable count stays within maxUnavailable.
 */
function rollingUpdateVictims(ds: DaemonSet, kept: Map<string, Pod>, hash: string, status: DaemonPlan['status'], minReady: number, wallNow: number): Pod[] {
  const maxUnavailable = resolveMaxUnavailable(ds, status.desiredNumberScheduled);
  let unavailable = 0;
  const oldAvailable: Pod[] = [];
  const victims: Pod[] = [];
  for (const pod of kept.values()) {
    const available = isPodAvailable(pod, minReady, wallNow);
    if (!available) unavailable++;
    if (pod.metadata?.labels?.[CONTROLLER_REVISION_HASH_LABEL] === hash) continue;
    if (!available) victims.push(pod);
    else oldAvailable.push(pod);
  }
  // Nodes that should run a pod and have none also count as unavailable.
  unavailable += Math.max(0, status.desiredNumberScheduled - kept.size);
  for (const pod of oldAvailable) {
    if (unavailable >= maxUnavailable) break;
    victims.push(pod);
    unavailable++;
  }
  return victims;
}
