// The annotations through which a Deployment and its ReplicaSets remember revisions and sizes
// (pkg/controller/deployment/util). `kubectl rollout history` reads revisions off the
// ReplicaSets; proportional scaling reads the sizes the Deployment had when each RS was scaled.
import type { Deployment, KubeObject, ReplicaSet } from '@kubemu/api';

export const REVISION_ANNOTATION = 'deployment.kubernetes.io/revision';
export const REVISION_HISTORY_ANNOTATION = 'deployment.kubernetes.io/revision-history';
export const DESIRED_REPLICAS_ANNOTATION = 'deployment.kubernetes.io/desired-replicas';
export const MAX_REPLICAS_ANNOTATION = 'deployment.kubernetes.io/max-replicas';
export const LAST_APPLIED_ANNOTATION = 'kubectl.kubernetes.io/last-applied-configuration';
export const DEFAULT_DEPLOYMENT_UNIQUE_LABEL_KEY = 'pod-template-hash';
/** maxRevHistoryLengthInChars: the revision-history annotation stops growing at this length. */
export const MAX_REVISION_HISTORY_CHARS = 2000;

/** Deployment annotations never copied onto its ReplicaSets. */
const SKIPPED = new Set([
  LAST_APPLIED_ANNOTATION,
  REVISION_ANNOTATION,
  REVISION_HISTORY_ANNOTATION,
  DESIRED_REPLICAS_ANNOTATION,
  MAX_REPLICAS_ANNOTATION,
  'deprecated.deployment.rollback.to',
]);

/** The object's revision; 0 when absent or not a number. */
export function revisionOf(obj: KubeObject): number {
  const v = obj.metadata?.annotations?.[REVISION_ANNOTATION];
  if (v === undefined || !/^-?\d+$/.test(v)) return 0;
  return Number.parseInt(v, 10);
}

export function maxRevision(rss: readonly ReplicaSet[]): number {
  return rss.reduce((m, rs) => Math.max(m, revisionOf(rs)), 0);
}

function annotations(obj: KubeObject): Record<string, string> {
  const meta = (obj.metadata ??= {});
  return (meta.annotations ??= {});
}

/** Copies the Deployment's own annotations onto the ReplicaSet; true if anything changed. */
function copyDeploymentAnnotations(d: Deployment, rs: ReplicaSet): boolean {
  const a = annotations(rs);
  let changed = false;
  for (const [k, v] of Object.entries(d.metadata?.annotations ?? {})) {
    if (SKIPPED.has(k) || a[k] === v) continue;
    a[k] = v;
    changed = true;
  }
  return changed;
}

/** Sets desired-replicas and max-replicas; true if either changed. */
export function setReplicasAnnotations(rs: ReplicaSet, desired: number, max: number): boolean {
  const a = annotations(rs);
  let changed = false;
  if (a[DESIRED_REPLICAS_ANNOTATION] !== String(desired)) {
    a[DESIRED_REPLICAS_ANNOTATION] = String(desired);
    changed = true;
  }
  if (a[MAX_REPLICAS_ANNOTATION] !== String(max)) {
    a[MAX_REPLICAS_ANNOTATION] = String(max);
    changed = true;
  }
  return changed;
}

export function replicasAnnotationsNeedUpdate(rs: ReplicaSet, desired: number, max: number): boolean {
  const a = rs.metadata?.annotations ?? {};
  return a[DESIRED_REPLICAS_ANNOTATION] !== String(desired) || a[MAX_REPLICAS_ANNOTATION] !== String(max);
}

/** An annotation read as an integer, if present and valid. */
export function intAnnotation(obj: KubeObject, key: string): number | undefined {
  const v = obj.metadata?.annotations?.[key];
  if (v === undefined || !/^-?\d+$/.test(v)) return undefined;
  return Number.parseInt(v, 10);
}

/**
 * SetNewReplicaSetAnnotations: copy the Deployment's annotations, raise the RS's revision to
 * `newRevision` if it is lower (remembering the old one in revision-history: that is a rollback
 * to this RS), and, for an RS about to be created, record the sizes. True if anything changed.
 */
export function setNewReplicaSetAnnotations(d: Deployment, rs: ReplicaSet, newRevision: number, exists: boolean, desired: number, max: number): boolean {
  let changed = copyDeploymentAnnotations(d, rs);
  const a = annotations(rs);
  const oldRevision = a[REVISION_ANNOTATION];
  let oldInt = 0;
  if (oldRevision !== undefined && oldRevision !== '') {
    if (!/^-?\d+$/.test(oldRevision)) return false;
    oldInt = Number.parseInt(oldRevision, 10);
  }
  if (oldInt < newRevision) {
    a[REVISION_ANNOTATION] = String(newRevision);
    changed = true;
    if (oldRevision !== undefined) appendRevisionHistory(a, oldRevision);
  }
  if (!exists && setReplicasAnnotations(rs, desired, max)) changed = true;
  return changed;
}

/** Appends `oldRevision` to revision-history, dropping the oldest entries beyond the length limit. */
function appendRevisionHistory(a: Record<string, string>, oldRevision: string): void {
  const history = a[REVISION_HISTORY_ANNOTATION] ?? '';
  if (history === '') {
    a[REVISION_HISTORY_ANNOTATION] = oldRevision;
    return;
  }
  let olds = history.split(',');
  let total = history.length + oldRevision.length + 1;
  let start = 0;
  while (total > MAX_REVISION_HISTORY_CHARS && start < olds.length) {
    total -= (olds[start] as string).length + 1;
    start++;
  }
  if (total <= MAX_REVISION_HISTORY_CHARS) {
    olds = [...olds.slice(start), oldRevision];
    a[REVISION_HISTORY_ANNOTATION] = olds.join(',');
  }
}
