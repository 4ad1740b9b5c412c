// The status a ReplicaSet (or ReplicationController) reports: counts over the active pods it
// controls, and a ReplicaFailure condition while creating or deleting pods fails.
import { Selector } from '@kubemu/api';
import type { KubeObject, Pod } from '@kubemu/api';
import { rfc3339 } from '@kubemu/client';
import { isPodAvailable, isPodReady } from '../../controller-utils';
import type { ReplicaCondition, ReplicaKind, ReplicaStatus } from './replica-kind';

export const REPLICA_FAILURE = 'ReplicaFailure';

/**
 * calculateStatus: replicas, fullyLabeledReplicas (labels match the template's), ready and
 * available (ready for minReadySeconds at `nowMs`); a ReplicaFailure condition is added when
 * manageReplicas failed and removed once it succeeds.
 */
export function calculateStatus<T extends KubeObject>(kind: ReplicaKind<T>, owner: T, pods: readonly Pod[], manageErr: Error | undefined, nowMs: number): ReplicaStatus {
  const old = kind.status(owner);
  const templateLabels = kind.template(owner)?.metadata?.labels ?? {};
  const templateSelector = new Selector(Object.entries(templateLabels).map(([key, v]) => ({ key, operator: '=' as const, values: [v] })));
  const minReady = kind.minReadySeconds(owner);
  let fullyLabeled = 0;
  let ready = 0;
  let available = 0;
  for (const pod of pods) {
    if (templateSelector.matches(pod.metadata?.labels ?? undefined)) fullyLabeled++;
    if (isPodReady(pod)) {
      ready++;
      if (isPodAvailable(pod, minReady, nowMs)) available++;
    }
  }
  let conditions: ReplicaCondition[] = [...(old?.conditions ?? [])];
  const failure = conditions.find((c) => c.type === REPLICA_FAILURE);
  if (manageErr !== undefined && failure === undefined) {
    const diff = pods.length - kind.replicas(owner);
    const reason = diff < 0 ? 'FailedCreate' : diff > 0 ? 'FailedDelete' : '';
    conditions.push({ type: REPLICA_FAILURE, status: 'True', lastTransitionTime: rfc3339(nowMs), reason, message: manageErr.message });
  } else if (manageErr === undefined && failure !== undefined) {
    conditions = conditions.filter((c) => c.type !== REPLICA_FAILURE);
  }
  const status: ReplicaStatus = { replicas: pods.length };
  // Zero counts are omitted on the wire (omitempty), as the apiserver would serve them.
  if (fullyLabeled > 0) status.fullyLabeledReplicas = fullyLabeled;
  if (ready > 0) status.readyReplicas = ready;
  if (available > 0) status.availableReplicas = available;
  if (old?.observedGeneration !== undefined) status.observedGeneration = old.observedGeneration;
  if (conditions.length > 0) status.conditions = conditions;
  return status;
}

/** Whether writing `next` would change nothing (the generation is observed and every count agrees). */
export function statusUnchanged(owner: KubeObject, old: ReplicaStatus | undefined, next: ReplicaStatus): boolean {
  return (
    (old?.replicas ?? 0) === next.replicas &&
    (old?.fullyLabeledReplicas ?? 0) === (next.fullyLabeledReplicas ?? 0) &&
    (old?.readyReplicas ?? 0) === (next.readyReplicas ?? 0) &&
    (old?.availableReplicas ?? 0) === (next.availableReplicas ?? 0) &&
    (owner.metadata?.generation ?? 0) === (old?.observedGeneration ?? 0) &&
    JSON.stringify(old?.conditions ?? []) === JSON.stringify(next.conditions ?? [])
  );
}
