// The identity of a StatefulSet's pods: the name <set>-<ordinal>, the stable network identity
// (hostname = pod name, subdomain = spec.serviceName) and stable storage (one claim
// <template>-<set>-<ordinal> per volumeClaimTemplate), plus the health predicates the ordered
// policies wait on.
import type { PersistentVolumeClaim, Pod, PodSpec, PodTemplateSpec, StatefulSet } from '@kubemu/api';
import { CONTROLLER_REVISION_HASH_LABEL, controllerRef } from './controller-history';

type Volume = NonNullable<PodSpec['volumes']>[number];

export const POD_NAME_LABEL = 'statefulset.kubernetes.io/pod-name';
export const POD_INDEX_LABEL = 'apps.kubernetes.io/pod-index';

export function startOrdinal(set: StatefulSet): number {
  return set.spec?.ordinals?.start ?? 0;
}

export function podName(set: StatefulSet, ordinal: number): string {
  return `${set.metadata?.name ?? ''}-${ordinal}`;
}

/** The ordinal in a pod's name, or undefined when the name is not <set>-<n>. */
export function ordinalOf(set: StatefulSet, pod: Pod): number | undefined {
  const prefix = `${set.metadata?.name ?? ''}-`;
  const name = pod.metadata?.name ?? '';
  if (!name.startsWith(prefix)) return undefined;
  const rest = name.slice(prefix.length);
  if (!/^(0|[1-9][0-9]*)$/.test(rest)) return undefined;
  return Number(rest);
}

export function claimName(templateName: string, set: StatefulSet, ordinal: number): string {
  return `${templateName}-${set.metadata?.name ?? ''}-${ordinal}`;
}

/** The claims a pod of `set` at `ordinal` mounts, as they are to be created. */
export function claimsFor(set: StatefulSet, ordinal: number): PersistentVolumeClaim[] {
  const selectorLabels = set.spec?.selector?.matchLabels ?? {};
  return (set.spec?.volumeClaimTemplates ?? []).map((tpl) => ({
    apiVersion: 'v1',
    kind: 'PersistentVolumeClaim',
    metadata: {
      name: claimName(tpl.metadata?.name ?? '', set, ordinal),
      namespace: set.metadata?.namespace ?? '',
      labels: { ...(tpl.metadata?.labels ?? {}), ...selectorLabels },
      ...(tpl.metadata?.annotations ? { annotations: { ...tpl.metadata.annotations } } : {}),
    },
    spec: structuredClone(tpl.spec ?? {}),
  }));
}

/** A new pod of `set` at `ordinal` from `template` (the template of revision `revisionName`). */
export function newStatefulPod(set: StatefulSet, template: PodTemplateSpec, revisionName: string, ordinal: number): Pod {
  const name = podName(set, ordinal);
  const spec = structuredClone(template.spec ?? { containers: [] });
  const claimVolumes: Volume[] = (set.spec?.volumeClaimTemplates ?? []).map((tpl) => ({
    name: tpl.metadata?.name ?? '',
    persistentVolumeClaim: { claimName: claimName(tpl.metadata?.name ?? '', set, ordinal) },
  }));
  // A claim template replaces a template volume of the same name, as in Kubernetes.
  const claimNames = new Set(claimVolumes.map((v) => v.name));
  spec.volumes = [...(spec.volumes ?? []).filter((v) => !claimNames.has(v.name)), ...claimVolumes];
  if (spec.volumes.length === 0) delete spec.volumes;
  spec.hostname = name;
  if (set.spec?.serviceName) spec.subdomain = set.spec.serviceName;
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name,
      namespace: set.metadata?.namespace ?? '',
      labels: {
        ...(template.metadata?.labels ?? {}),
        [POD_NAME_LABEL]: name,
        [POD_INDEX_LABEL]: String(ordinal),
        [CONTROLLER_REVISION_HASH_LABEL]: revisionName,
      },
      ...(template.metadata?.annotations ? { annotations: { ...template.metadata.annotations } } : {}),
      ownerReferences: [controllerRef(set)],
    },
    spec,
  };
}

export function revisionOf(pod: Pod): string | undefined {
  return pod.metadata?.labels?.[CONTROLLER_REVISION_HASH_LABEL];
}

export function isTerminating(pod: Pod): boolean {
  return pod.metadata?.deletionTimestamp !== undefined;
}

/** Failed or Succeeded: a StatefulSet pod that stopped for good is recreated. */
export function hasTerminated(pod: Pod): boolean {
  return pod.status?.phase === 'Failed' || pod.status?.phase === 'Succeeded';
}

export function isPodReady(pod: Pod): boolean {
  return (pod.status?.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True');
}

export function isRunningAndReady(pod: Pod): boolean {
  return pod.status?.phase === 'Running' && isPodReady(pod);
}

/** How long until a running and ready pod counts as available (0: it is; undefined: it is not ready). */
export function msUntilAvailable(pod: Pod, minReadySeconds: number, wallNow: number): number | undefined {
  if (!isRunningAndReady(pod)) return undefined;
  if (minReadySeconds <= 0) return 0;
  const ready = (pod.status?.conditions ?? []).find((c) => c.type === 'Ready');
  const since = ready?.lastTransitionTime ? Date.parse(ready.lastTransitionTime) : NaN;
  if (Number.isNaN(since)) return 0;
  return Math.max(0, since + minReadySeconds * 1000 - wallNow);
}

/** Running, ready, not terminating: what OrderedReady waits for before the next ordinal. */
export function isHealthy(pod: Pod): boolean {
  return isRunningAndReady(pod) && !isTerminating(pod);
}
