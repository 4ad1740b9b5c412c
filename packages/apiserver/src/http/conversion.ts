// Resources served in two versions from one stored version, converted on the way in and out (kube-
// apiserver converts through its internal version): autoscaling/v1 HorizontalPodAutoscalers
// (`kubectl autoscale` writes them) are stored as autoscaling/v2. v1 knows only a cpu utilization
// target; the v2 fields it cannot express are kept when a v1 client updates (they come from the
// stored object).
import { findResource } from '@kubemu/api';
import type { KubeObject, ResourceInfo } from '@kubemu/api';

export interface Conversion {
  /** The version objects are stored in. */
  storage: ResourceInfo;
  /** Served version -> storage version; `stored` is the current stored object on updates. */
  up(obj: KubeObject, stored?: KubeObject): KubeObject;
  /** Storage version -> served version. */
  down(obj: KubeObject): KubeObject;
}

interface MetricSpec {
  type?: string;
  resource?: { name?: string; target?: { type?: string; averageUtilization?: number } };
}

interface MetricStatus {
  type?: string;
  resource?: { name?: string; current?: { averageUtilization?: number } };
}

const cpuTarget = (m: MetricSpec): boolean => m.type === 'Resource' && m.resource?.name === 'cpu' && m.resource.target?.type === 'Utilization';

function hpaUp(obj: KubeObject, stored?: KubeObject): KubeObject {
  const spec = (obj.spec ?? {}) as Record<string, unknown> & { targetCPUUtilizationPercentage?: number };
  const status = (obj.status ?? {}) as Record<string, unknown> & { currentCPUUtilizationPercentage?: number };
  const { targetCPUUtilizationPercentage: target, ...specRest } = spec;
  const { currentCPUUtilizationPercentage: current, ...statusRest } = status;
  const storedMetrics = ((stored?.spec as { metrics?: MetricSpec[] } | undefined)?.metrics ?? []).filter((m) => !cpuTarget(m));
  const metrics: MetricSpec[] = [...storedMetrics, { type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: target ?? 80 } } }];
  const out: KubeObject = { ...obj, apiVersion: 'autoscaling/v2', kind: 'HorizontalPodAutoscaler', spec: { ...specRest, metrics } };
  if (obj.status !== undefined) {
    out.status = { ...statusRest, ...(current === undefined ? {} : { currentMetrics: [{ type: 'Resource', resource: { name: 'cpu', current: { averageUtilization: current } } }] }) };
  }
  return out;
}

function hpaDown(obj: KubeObject): KubeObject {
  const { metrics, behavior: _b, ...specRest } = (obj.spec ?? {}) as Record<string, unknown> & { metrics?: MetricSpec[]; behavior?: unknown };
  const { currentMetrics, conditions: _c, ...statusRest } = (obj.status ?? {}) as Record<string, unknown> & { currentMetrics?: MetricStatus[]; conditions?: unknown };
  const target = (metrics ?? []).find(cpuTarget)?.resource?.target?.averageUtilization;
  const current = (currentMetrics ?? []).find((m) => m.type === 'Resource' && m.resource?.name === 'cpu')?.resource?.current?.averageUtilization;
  const out: KubeObject = { ...obj, apiVersion: 'autoscaling/v1', kind: 'HorizontalPodAutoscaler', spec: { ...specRest, ...(target === undefined ? {} : { targetCPUUtilizationPercentage: target }) } };
  if (obj.status !== undefined) out.status = { ...statusRest, ...(current === undefined ? {} : { currentCPUUtilizationPercentage: current }) };
  return out;
}

export function conversionFor(info: ResourceInfo): Conversion | undefined {
  if (info.group === 'autoscaling' && info.version === 'v1' && info.resource === 'horizontalpodautoscalers') {
    return { storage: findResource('autoscaling', 'v2', 'horizontalpodautoscalers')!, up: hpaUp, down: hpaDown };
  }
  return undefined;
}
