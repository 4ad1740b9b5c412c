// The arithmetic of a rollout (pkg/controller/deployment/util): maxSurge and maxUnavailable
// resolved against spec.replicas (surge rounds up, unavailable rounds down, and never both 0),
// replica sums over ReplicaSets, and the proportions that spread a scale change across the
// ReplicaSets of a rollout in flight.
import type { Deployment, ReplicaSet } from '@kubemu/api';
import { DESIRED_REPLICAS_ANNOTATION, MAX_REPLICAS_ANNOTATION, intAnnotation } from './annotations';
import { parseTime } from '../../controller-utils';

type IntOrString = number | string;

export function replicasOf(d: Deployment): number {
  return d.spec?.replicas ?? 1;
}

export function rsReplicas(rs: ReplicaSet | undefined): number {
  return rs?.spec?.replicas ?? 0;
}

export function isRollingUpdate(d: Deployment): boolean {
  return (d.spec?.strategy?.type ?? 'RollingUpdate') === 'RollingUpdate';
}

/** intstr.GetScaledValueFromIntOrPercent; a string must be a percentage. */
export function scaledValue(v: IntOrString, total: number, roundUp: boolean): number {
  if (typeof v === 'number') return v;
  if (!v.endsWith('%')) throw new Error(`invalid value for IntOrString: invalid type: string is not a percentage`);
  const pct = Number.parseInt(v.slice(0, -1), 10);
  if (!Number.isFinite(pct)) throw new Error(`invalid value "${v}": must be an integer or percentage`);
  const exact = (pct * total) / 100;
  return roundUp ? Math.ceil(exact) : Math.floor(exact);
}

function rollingParams(d: Deployment): { maxSurge: IntOrString; maxUnavailable: IntOrString } {
  const ru = d.spec?.strategy?.rollingUpdate;
  return { maxSurge: (ru?.maxSurge as IntOrString | undefined) ?? '25%', maxUnavailable: (ru?.maxUnavailable as IntOrString | undefined) ?? '25%' };
}

/** ResolveFenceposts: both 0 after rounding becomes maxUnavailable 1, so a rollout can always move. */
export function resolveFenceposts(maxSurge: IntOrString, maxUnavailable: IntOrString, desired: number): { surge: number; unavailable: number } {
  const surge = scaledValue(maxSurge, desired, true);
  let unavailable = scaledValue(maxUnavailable, desired, false);
  if (surge === 0 && unavailable === 0) unavailable = 1;
  return { surge, unavailable };
}

export function maxSurge(d: Deployment): number {
  if (!isRollingUpdate(d)) return 0;
  const p = rollingParams(d);
  return resolveFenceposts(p.maxSurge, p.maxUnavailable, replicasOf(d)).surge;
}

export function maxUnavailable(d: Deployment): number {
  const replicas = replicasOf(d);
  if (!isRollingUpdate(d) || replicas === 0) return 0;
  const p = rollingParams(d);
  return Math.min(replicas, resolveFenceposts(p.maxSurge, p.maxUnavailable, replicas).unavailable);
}

const sum = (rss: readonly (ReplicaSet | undefined)[], f: (rs: ReplicaSet) => number): number => rss.reduce((n, rs) => n + (rs === undefined ? 0 : f(rs)), 0);
/** Sum of spec.replicas. */
export const specReplicas = (rss: readonly (ReplicaSet | undefined)[]): number => sum(rss, (rs) => rs.spec?.replicas ?? 0);
/** Sum of status.replicas. */
export const actualReplicas = (rss: readonly (ReplicaSet | undefined)[]): number => sum(rss, (rs) => rs.status?.replicas ?? 0);
export const readyReplicas = (rss: readonly (ReplicaSet | undefined)[]): number => sum(rss, (rs) => rs.status?.readyReplicas ?? 0);
export const availableReplicas = (rss: readonly (ReplicaSet | undefined)[]): number => sum(rss, (rs) => rs.status?.availableReplicas ?? 0);

/** ReplicaSets with spec.replicas > 0. */
export function activeReplicaSets(rss: readonly (ReplicaSet | undefined)[]): ReplicaSet[] {
  return rss.filter((rs): rs is ReplicaSet => rs !== undefined && (rs.spec?.replicas ?? 0) > 0);
}

/** ReplicaSetsByCreationTimestamp: older first, ties by name. */
export function byCreation(a: ReplicaSet, b: ReplicaSet): number {
  const ta = parseTime(a.metadata?.creationTimestamp) ?? 0;
  const tb = parseTime(b.metadata?.creationTimestamp) ?? 0;
  if (ta !== tb) return ta - tb;
  const na = a.metadata?.name ?? '';
  const nb = b.metadata?.name ?? '';
  return na < nb ? -1 : na > nb ? 1 : 0;
}

/** ReplicaSetsBySizeOlder: larger first, then older first (scaling down). */
export function bySizeOlder(a: ReplicaSet, b: ReplicaSet): number {
  const d = rsReplicas(b) - rsReplicas(a);
  return d !== 0 ? d : byCreation(a, b);
}

/** ReplicaSetsBySizeNewer: larger first, then newer first (scaling up). */
export function bySizeNewer(a: ReplicaSet, b: ReplicaSet): number {
  const d = rsReplicas(b) - rsReplicas(a);
  if (d !== 0) return d;
  return (parseTime(b.metadata?.creationTimestamp) ?? 0) - (parseTime(a.metadata?.creationTimestamp) ?? 0);
}

/** FindActiveOrLatest: the only active RS, or the newest when none is active; undefined when several are. */
export function findActiveOrLatest(newRS: ReplicaSet | undefined, oldRSs: readonly ReplicaSet[]): ReplicaSet | undefined {
  if (newRS === undefined && oldRSs.length === 0) return undefined;
  const olds = [...oldRSs].sort((a, b) => byCreation(b, a));
  const active = activeReplicaSets([...olds, newRS]);
  if (active.length === 0) return newRS ?? olds[0];
  return active.length === 1 ? active[0] : undefined;
}

/** The new RS runs all replicas, was sized for this spec, and all are available. */
export function isSaturated(d: Deployment, rs: ReplicaSet | undefined): boolean {
  if (rs === undefined) return false;
  const desired = intAnnotation(rs, DESIRED_REPLICAS_ANNOTATION);
  const want = replicasOf(d);
  return desired !== undefined && rsReplicas(rs) === want && desired === want && (rs.status?.availableReplicas ?? 0) === want;
}

/** NewRSNewReplicas: how big the new RS may be now. */
export function newRSNewReplicas(d: Deployment, allRSs: readonly (ReplicaSet | undefined)[], newRS: ReplicaSet): number {
  const want = replicasOf(d);
  if (!isRollingUpdate(d)) return want;
  const surge = scaledValue(rollingParams(d).maxSurge, want, true);
  const current = specReplicas(allRSs);
  const maxTotal = want + surge;
  if (current >= maxTotal) return rsReplicas(newRS);
  return rsReplicas(newRS) + Math.min(maxTotal - current, want - rsReplicas(newRS));
}

/** getReplicaSetFraction: this RS's share of the new size, from the size annotated when it was last scaled. */
function replicaSetFraction(rs: ReplicaSet, d: Deployment): number {
  const want = replicasOf(d);
  if (want === 0) return -rsReplicas(rs);
  const maxNow = want + maxSurge(d);
  let before = intAnnotation(rs, MAX_REPLICAS_ANNOTATION) ?? 0;
  if (before === 0) {
    before = d.status?.replicas ?? 0;
    if (before === 0) return 0;
  }
  return Math.round((rsReplicas(rs) * maxNow) / before) - rsReplicas(rs);
}

/** GetProportion: this RS's part of `toAdd`, never overshooting what is left to add (or remove). */
export function proportion(rs: ReplicaSet, d: Deployment, toAdd: number, added: number): number {
  if (rsReplicas(rs) === 0 || toAdd === 0 || toAdd === added) return 0;
  const fraction = replicaSetFraction(rs, d);
  const allowed = toAdd - added;
  return toAdd > 0 ? Math.min(fraction, allowed) : Math.max(fraction, allowed);
}
