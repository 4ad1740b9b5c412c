// From a metric recommendation to the replica count to set: stabilization over the recent
// recommendations (scale down only to the highest of the window, scale up, with a behavior
// window, only to the lowest), then kube's rate limit on scale up (max(2 x current, 4)), then
// minReplicas/maxReplicas; and the status (conditions, metrics) the controller writes.
import type { HorizontalPodAutoscaler } from '@kubemu/api';

type HpaStatus = NonNullable<HorizontalPodAutoscaler['status']>;
type HpaCondition = NonNullable<HpaStatus['conditions']>[number];
export type MetricStatus = NonNullable<HpaStatus['currentMetrics']>[number];

export interface TimedRecommendation {
  replicas: number;
  /** Monotonic clock ms. */
  at: number;
}

/** Builds the next status from the current one; condition transitions keep kube's semantics. */
export class HpaStatusBuilder {
  private readonly conditions: HpaCondition[];
  private metrics: MetricStatus[] | undefined;

  constructor(
    private readonly hpa: HorizontalPodAutoscaler,
    private readonly now: string,
  ) {
    this.conditions = structuredClone(hpa.status?.conditions ?? []);
  }

  setCondition(type: string, status: string, reason: string, message: string): void {
    let c = this.conditions.find((x) => x.type === type);
    if (c === undefined) {
      c = { type, status, lastTransitionTime: this.now };
      this.conditions.push(c);
    } else if (c.status !== status) {
      c.lastTransitionTime = this.now;
    }
    c.status = status;
    c.reason = reason;
    c.message = message;
  }

  setMetrics(metrics: MetricStatus[]): void {
    this.metrics = metrics;
  }

  build(o: { currentReplicas?: number; desiredReplicas?: number; rescaled?: boolean } = {}): HpaStatus {
    const prev = this.hpa.status;
    const status: HpaStatus = {
      ...(this.hpa.metadata?.generation !== undefined ? { observedGeneration: this.hpa.metadata.generation } : {}),
      currentReplicas: o.currentReplicas ?? prev?.currentReplicas ?? 0,
      desiredReplicas: o.desiredReplicas ?? prev?.desiredReplicas ?? 0,
      conditions: this.conditions,
    };
    const lastScaleTime = o.rescaled ? this.now : prev?.lastScaleTime;
    if (lastScaleTime !== undefined) status.lastScaleTime = lastScaleTime;
    const metrics = this.metrics ?? prev?.currentMetrics;
    if (metrics !== undefined && metrics.length > 0) status.currentMetrics = metrics;
    return status;
  }
}

export interface NormalizeArgs {
  hpa: HorizontalPodAutoscaler;
  status: HpaStatusBuilder;
  /** This HPA's recent recommendations; updated in place. */
  history: TimedRecommendation[];
  now: number;
  current: number;
  desired: number;
  minReplicas: number;
  maxReplicas: number;
  downscaleWindowMs: number;
}

export function normalizeReplicas(a: NormalizeArgs): number {
  const behavior = a.hpa.spec?.behavior;
  const downWindow = behavior?.scaleDown?.stabilizationWindowSeconds !== undefined && behavior.scaleDown.stabilizationWindowSeconds !== null ? behavior.scaleDown.stabilizationWindowSeconds * 1000 : a.downscaleWindowMs;
  const upWindow = (behavior?.scaleUp?.stabilizationWindowSeconds ?? 0) * 1000;
  let up = a.desired;
  let down = a.desired;
  let oldest = -1;
  a.history.forEach((rec, i) => {
    // A window counts recommendations strictly after its cutoff: a zero window counts none.
    if (rec.at > a.now - upWindow) up = Math.min(up, rec.replicas);
    if (rec.at > a.now - downWindow) down = Math.max(down, rec.replicas);
    if (rec.at < a.now - Math.max(upWindow, downWindow) && oldest < 0) oldest = i;
  });
  // One slot per sample: an expired one is reused, so the list stays as long as the window.
  if (oldest >= 0) a.history[oldest] = { replicas: a.desired, at: a.now };
  else a.history.push({ replicas: a.desired, at: a.now });
  let stabilized = a.current;
  if (stabilized < up) stabilized = up;
  if (stabilized > down) stabilized = down;
  if (stabilized < a.desired) {
    a.status.setCondition('AbleToScale', 'True', 'ScaleUpStabilized', 'recent recommendations were lower than current one, applying the lowest recent recommendation');
  } else if (stabilized > a.desired) {
    a.status.setCondition('AbleToScale', 'True', 'ScaleDownStabilized', 'recent recommendations were higher than current one, applying the highest recent recommendation');
  } else {
    a.status.setCondition('AbleToScale', 'True', 'ReadyForNewScale', 'recommended size matches current size');
  }
  const scaleUpLimit = Math.max(2 * a.current, 4);
  let maxAllowed = a.maxReplicas;
  let limitReason = 'TooManyReplicas';
  let limitMessage = 'the desired replica count is more than the maximum replica count';
  if (a.maxReplicas > scaleUpLimit) {
    maxAllowed = scaleUpLimit;
    limitReason = 'ScaleUpLimit';
    limitMessage = 'the desired replica count is increasing faster than the maximum scale rate';
  }
  let result = stabilized;
  if (stabilized < a.minReplicas) {
    result = a.minReplicas;
    limitReason = 'TooFewReplicas';
    limitMessage = 'the desired replica count is less than the minimum replica count';
  } else if (stabilized > maxAllowed) {
    result = maxAllowed;
  }
  if (result === stabilized) a.status.setCondition('ScalingLimited', 'False', 'DesiredWithinRange', 'the desired count is within the acceptable range');
  else a.status.setCondition('ScalingLimited', 'True', limitReason, limitMessage);
  return result;
}
