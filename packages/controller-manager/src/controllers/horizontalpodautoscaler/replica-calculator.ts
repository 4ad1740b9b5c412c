// The replica count a cpu metric asks for (kube's ReplicaCalculator.GetResourceReplicas and
// GetRawResourceReplicas). Usage comes from the simulated node agents: each pod's
// `kubemu.io/cpu-usage` annotation, its cpu use in cores summed over its containers (the
// contract in packages/testkit/src/simulated-pods.ts; kubemu has no metrics-server).
//
// utilization = sum(usage of ready pods with metrics) / sum(their cpu requests), in whole
// percent; ratio = utilization / target. Within the tolerance (|1 - ratio| <= 0.1) nothing
// changes. Pods without metrics count as using 100% of their request when scaling down and 0%
// when scaling up, and not-ready pods as 0% when scaling up, so that neither pushes the scale
// further in the direction it is going.
import type { Pod } from '@kubemu/api';
import { Quantity } from '@kubemu/api';

export const CPU_USAGE_ANNOTATION = 'kubemu.io/cpu-usage';
export const DEFAULT_TOLERANCE = 0.1;

export interface CpuTarget {
  /** Percentage of the pods' requests (Utilization), or */
  averageUtilization?: number;
  /** a per-pod average in millicores (AverageValue). */
  averageValueMilli?: number;
}

export interface Recommendation {
  replicas: number;
  /** Whole-percent utilization of requests (Utilization targets). */
  utilization?: number;
  /** Average usage per pod with metrics, in millicores. */
  averageMilli: number;
}

function milli(q: string | undefined): number | undefined {
  if (q === undefined) return undefined;
  const parsed = Quantity.tryParse(q);
  return parsed instanceof Quantity ? Number(parsed.milliValue()) : undefined;
}

/** The pod's cpu usage in millicores, if its node agent reported any. */
export function podUsageMilli(pod: Pod): number | undefined {
  return milli(pod.metadata?.annotations?.[CPU_USAGE_ANNOTATION]);
}

function podRequestMilli(pod: Pod): number | Error {
  let total = 0;
  for (const c of pod.spec?.containers ?? []) {
    const r = milli(c.resources?.requests?.['cpu']);
    if (r === undefined) return new Error(`missing request for cpu in container ${c.name} of Pod ${pod.metadata?.name ?? ''}`);
    total += r;
  }
  return total;
}

function isReady(pod: Pod): boolean {
  return (pod.status?.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True');
}

export function getCpuReplicas(currentReplicas: number, target: CpuTarget, pods: readonly Pod[], tolerance = DEFAULT_TOLERANCE): Recommendation | Error {
  if (pods.length === 0) return new Error('no pods returned by selector while calculating replica count');
  const metrics = new Map<string, number>();
  const requests = new Map<string, number>();
  const unready: string[] = [];
  const missing: string[] = [];
  for (const pod of pods) {
    const name = pod.metadata?.name ?? '';
    if (pod.metadata?.deletionTimestamp !== undefined || pod.status?.phase === 'Failed') continue;
    if (target.averageUtilization !== undefined) {
      const req = podRequestMilli(pod);
      if (req instanceof Error) return req;
      requests.set(name, req);
    }
    if (pod.status?.phase === 'Pending') {
      unready.push(name);
      continue;
    }
    const usage = podUsageMilli(pod);
    if (usage === undefined) {
      missing.push(name);
      continue;
    }
    if (!isReady(pod)) {
      unready.push(name);
      continue;
    }
    metrics.set(name, usage);
  }
  if (metrics.size === 0) {
    if (missing.length > 0 && unready.length === 0) return new Error('unable to get metrics for resource cpu: no metrics returned from resource metrics API');
    return new Error('did not receive metrics for targeted pods (pods might be unready)');
  }
  const readyCount = metrics.size;
  const ratioOf = (m: Map<string, number>): { ratio: number; utilization?: number; averageMilli: number } => {
    let used = 0;
    let requested = 0;
    for (const [name, v] of m) {
      used += v;
      requested += requests.get(name) ?? 0;
    }
    const averageMilli = used / m.size;
    if (target.averageUtilization !== undefined) {
      const utilization = requested > 0 ? Math.floor((used * 100) / requested) : 0;
      return { ratio: utilization / target.averageUtilization, utilization, averageMilli };
    }
    return { ratio: averageMilli / (target.averageValueMilli ?? 1), averageMilli };
  };
  if (target.averageUtilization !== undefined && [...metrics.keys()].reduce((s, n) => s + (requests.get(n) ?? 0), 0) === 0) {
    return new Error('no metrics returned matched known pods');
  }
  const first = ratioOf(metrics);
  const base = { ...(first.utilization !== undefined ? { utilization: first.utilization } : {}), averageMilli: first.averageMilli };
  const within = (r: number): boolean => Math.abs(1 - r) <= tolerance;
  const scaleUpWithUnready = unready.length > 0 && first.ratio > 1;
  if (!scaleUpWithUnready && missing.length === 0) {
    if (within(first.ratio)) return { replicas: currentReplicas, ...base };
    return { replicas: Math.ceil(first.ratio * readyCount), ...base };
  }
  const adjusted = new Map(metrics);
  for (const name of missing) adjusted.set(name, first.ratio < 1 ? (target.averageUtilization !== undefined ? (requests.get(name) ?? 0) : (target.averageValueMilli ?? 0)) : 0);
  if (scaleUpWithUnready) for (const name of unready) adjusted.set(name, 0);
  const second = ratioOf(adjusted).ratio;
  if (within(second) || (first.ratio < 1 && second > 1) || (first.ratio > 1 && second < 1)) return { replicas: currentReplicas, ...base };
  const replicas = Math.ceil(second * adjusted.size);
  if ((second < 1 && replicas > currentReplicas) || (second > 1 && replicas < currentReplicas)) return { replicas: currentReplicas, ...base };
  return { replicas, ...base };
}
