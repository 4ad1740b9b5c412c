// Every metric of an HPA's spec (cpu utilization 80% when none is given, as autoscaling/v2
// defaults it) proposes a replica count; the largest valid proposal wins. kubemu reports only cpu
// usage, so other metric sources are invalid metrics, worded as kube words a metric it cannot
// fetch. Messages, events and conditions follow kube's computeReplicasForMetrics.
import type { HorizontalPodAutoscaler, Pod } from '@kubemu/api';
import { Quantity } from '@kubemu/api';
import type { EventRecorder } from '@kubemu/client';
import { getCpuReplicas } from './replica-calculator';
import type { CpuTarget } from './replica-calculator';
import type { MetricStatus } from './hpa-normalize';

type MetricSpec = NonNullable<NonNullable<HorizontalPodAutoscaler['spec']>['metrics']>[number];

export interface MetricReplicas {
  /** Undefined when no metric could be used (or some failed and the valid ones would scale down). */
  replicas?: number;
  metricName: string;
  statuses: MetricStatus[];
  condition?: { status: string; reason: string; message: string };
  error?: Error;
}

export const DEFAULT_METRICS: MetricSpec[] = [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 80 } } }];

function quantityMilli(q: string | number | undefined): number | undefined {
  if (q === undefined) return undefined;
  const parsed = Quantity.tryParse(String(q));
  return parsed instanceof Quantity ? Number(parsed.milliValue()) : undefined;
}

interface Proposal {
  replicas: number;
  name: string;
  status: MetricStatus;
}

interface Invalid {
  error: Error;
  reason: string;
}

function proposeFor(spec: MetricSpec, current: number, pods: Pod[]): Proposal | Invalid {
  if (spec.type !== 'Resource') return { error: new Error(`unable to get metric ${spec.type}: no metrics source for this type in kubemu`), reason: `FailedGet${spec.type}Metric` };
  const resource = spec.resource?.name ?? '';
  const t = spec.resource?.target;
  if (resource !== 'cpu') {
    const err = new Error(`failed to get ${resource} utilization: unable to get metrics for resource ${resource}: no metrics returned from resource metrics API`);
    return { error: err, reason: 'FailedGetResourceMetric' };
  }
  let target: CpuTarget;
  if (t?.averageUtilization !== undefined && t.averageUtilization !== null) target = { averageUtilization: t.averageUtilization };
  else {
    const v = quantityMilli(t?.averageValue);
    if (v === undefined) return { error: new Error('invalid resource metric source: neither a utilization target nor a value target was set'), reason: 'FailedGetResourceMetric' };
    target = { averageValueMilli: v };
  }
  const rec = getCpuReplicas(current, target, pods);
  if (rec instanceof Error) return { error: new Error(`failed to get cpu utilization: ${rec.message}`), reason: 'FailedGetResourceMetric' };
  const averageValue = Quantity.fromMilli(Math.round(rec.averageMilli)).toString();
  if (target.averageUtilization !== undefined) {
    return {
      replicas: rec.replicas,
      name: 'cpu resource utilization (percentage of request)',
      status: { type: 'Resource', resource: { name: 'cpu', current: { averageUtilization: rec.utilization ?? 0, averageValue } } },
    };
  }
  return { replicas: rec.replicas, name: 'cpu resource', status: { type: 'Resource', resource: { name: 'cpu', current: { averageValue } } } };
}

export function computeMetricReplicas(hpa: HorizontalPodAutoscaler, current: number, pods: Pod[], recorder: EventRecorder): MetricReplicas {
  const specs = hpa.spec?.metrics && hpa.spec.metrics.length > 0 ? hpa.spec.metrics : DEFAULT_METRICS;
  let best: Proposal | undefined;
  let firstInvalid: Invalid | undefined;
  let invalid = 0;
  const statuses: MetricStatus[] = [];
  for (const spec of specs) {
    const p = proposeFor(spec, current, pods);
    if ('error' in p) {
      invalid++;
      recorder.eventf(hpa, 'Warning', p.reason, '%s', p.error.message);
      firstInvalid ??= p;
      continue;
    }
    statuses.push(p.status);
    if (best === undefined || p.replicas > best.replicas) best = p;
  }
  if (firstInvalid !== undefined && (invalid >= specs.length || (best !== undefined && best.replicas < current))) {
    return {
      metricName: '',
      statuses,
      condition: { status: 'False', reason: firstInvalid.reason, message: `the HPA was unable to compute the replica count: ${firstInvalid.error.message}` },
      error: new Error(`invalid metrics (${invalid} invalid out of ${specs.length}), first error is: failed to get ${specs[0]?.resource?.name ?? ''} resource metric value: ${firstInvalid.error.message}`),
    };
  }
  const chosen = best as Proposal;
  return {
    replicas: chosen.replicas,
    metricName: chosen.name,
    statuses,
    condition: { status: 'True', reason: 'ValidMetricFound', message: `the HPA was able to successfully calculate a replica count from ${chosen.name}` },
    ...(firstInvalid ? { error: firstInvalid.error } : {}),
  };
}
