// The HorizontalPodAutoscaler controller (autoscaling/v2), every
// --horizontal-pod-autoscaler-sync-period per HPA: read the target's scale subresource, compute
// the replicas the cpu metrics ask for (replica-calculator.ts), stabilize scale-downs over
// --horizontal-pod-autoscaler-downscale-stabilization (the highest recommendation of the window
// wins), limit scale-ups to max(2 x current, 4), clamp to [minReplicas, maxReplicas], write the
// scale, then the status with the AbleToScale / ScalingActive / ScalingLimited conditions worded
// as kube-controller-manager words them. Recommendations live in memory, as in Kubernetes.
import type { HorizontalPodAutoscaler, Pod, Scale } from '@kubemu/api';
import { parseLabelSelector, resourceForKind } from '@kubemu/api';
import { deletedObject, metaNamespaceKey, rfc3339, splitMetaNamespaceKey } from '@kubemu/client';
import type { EventRecorder, HandlerRegistration, RateLimitingQueue, SharedInformer } from '@kubemu/client';
import type { Controller, ControllerContext } from '../../controller';
import { errorMessage, newQueue, runQueueWorkers } from '../../controller-utils';
import { stableStringify } from '../statefulset/controller-history';
import { computeMetricReplicas } from './metric-replicas';
import { HpaStatusBuilder, normalizeReplicas } from './hpa-normalize';
import type { TimedRecommendation } from './hpa-normalize';

const HPAS = { group: 'autoscaling', version: 'v2', resource: 'horizontalpodautoscalers', namespaced: true } as const;
const PODS = { group: '', version: 'v1', resource: 'pods', namespaced: true } as const;

export class HorizontalPodAutoscalerController implements Controller {
  readonly name = 'horizontalpodautoscaling';
  private readonly queue: RateLimitingQueue<string>;
  private readonly hpas: SharedInformer<HorizontalPodAutoscaler>;
  private readonly pods: SharedInformer<Pod>;
  private readonly recorder: EventRecorder;
  private readonly recommendations = new Map<string, TimedRecommendation[]>();
  /** Keys with a periodic resync already scheduled (one timer per HPA). */
  private readonly scheduled = new Set<string>();

  constructor(private readonly ctx: ControllerContext) {
    this.queue = newQueue(ctx);
    this.hpas = ctx.informers.forResource<HorizontalPodAutoscaler>(HPAS);
    this.pods = ctx.informers.forResource<Pod>(PODS);
    this.recorder = ctx.recorder('horizontal-pod-autoscaler');
  }

  async run(signal: AbortSignal): Promise<void> {
    const reg: HandlerRegistration = this.hpas.addEventHandler({
      onAdd: (h) => this.queue.add(metaNamespaceKey(h)),
      onUpdate: (old, h) => {
        // Our own status writes change only status: those do not warrant an early sync.
        if (stableStringify(old.spec) !== stableStringify(h.spec)) this.queue.add(metaNamespaceKey(h));
      },
      onDelete: (h) => this.recommendations.delete(metaNamespaceKey(deletedObject(h))),
    });
    this.ctx.informers.start();
    await runQueueWorkers({ name: this.name, ctx: this.ctx, queue: this.queue, informers: [this.hpas, this.pods], sync: (key) => this.sync(key) }, signal);
    reg.remove();
  }

  private resyncLater(key: string): void {
    if (this.scheduled.has(key)) return;
    this.scheduled.add(key);
    this.ctx.clock.setTimeout(() => {
      this.scheduled.delete(key);
      this.queue.add(key);
    }, this.ctx.options.hpaSyncPeriodMs);
  }

  private async sync(key: string): Promise<Error | void> {
    const { namespace, name } = splitMetaNamespaceKey(key);
    const hpa = this.hpas.lister().get(namespace, name);
    if (hpa === undefined) {
      this.recommendations.delete(key);
      return;
    }
    this.resyncLater(key);
    const status = new HpaStatusBuilder(hpa, rfc3339(this.ctx.clock.wallNow()));
    const ref = hpa.spec?.scaleTargetRef;
    const target = ref ? resourceForKind(ref.apiVersion ?? '', ref.kind) : undefined;
    const reference = `${ref?.kind ?? ''}/${namespace}/${ref?.name ?? ''}`;
    let scale: Scale;
    try {
      if (target === undefined || !target.subresources.includes('scale')) throw new Error(`no matches for kind "${ref?.kind ?? ''}" in group "${(ref?.apiVersion ?? '').split('/').slice(0, -1).join('/')}"`);
      scale = await this.ctx.client.resource<Scale>(target).namespace(namespace).getSubresource<Scale>(ref?.name ?? '', 'scale');
    } catch (err) {
      this.recorder.eventf(hpa, 'Warning', 'FailedGetScale', '%s', errorMessage(err));
      status.setCondition('AbleToScale', 'False', 'FailedGetScale', `the HPA controller was unable to get the target's current scale: ${errorMessage(err)}`);
      await this.writeStatus(hpa, status.build());
      return new Error(`failed to query scale subresource for ${reference}: ${errorMessage(err)}`);
    }
    status.setCondition('AbleToScale', 'True', 'SucceededGetScale', "the HPA controller was able to get the target's current scale");
    const current = scale.spec?.replicas ?? 0;
    const minReplicas = hpa.spec?.minReplicas ?? 1;
    const maxReplicas = hpa.spec?.maxReplicas ?? minReplicas;
    if (!this.recommendations.has(key)) this.recommendations.set(key, [{ replicas: current, at: this.ctx.clock.now() }]);

    let desired = 0;
    let reason = '';
    let rescale = true;
    let metricsErr: Error | undefined;
    if (current === 0 && minReplicas !== 0) {
      rescale = false;
      status.setCondition('ScalingActive', 'False', 'ScalingDisabled', 'scaling is disabled since the replica count of the target is zero');
    } else if (current > maxReplicas) {
      reason = 'Current number of replicas above Spec.MaxReplicas';
      desired = maxReplicas;
    } else if (current < minReplicas) {
      reason = 'Current number of replicas below Spec.MinReplicas';
      desired = minReplicas;
    } else {
      const selector = scale.status?.selector;
      let pods: Pod[] = [];
      if (!selector) {
        status.setCondition('ScalingActive', 'False', 'InvalidSelector', "the HPA target's scale is missing a selector");
        this.recorder.eventf(hpa, 'Warning', 'SelectorRequired', 'selector is required');
        await this.writeStatus(hpa, status.build({ currentReplicas: current }));
        return new Error(`selector is required for ${reference}`);
      }
      try {
        pods = this.pods.lister().namespace(namespace).list(parseLabelSelector(selector));
      } catch (err) {
        status.setCondition('ScalingActive', 'False', 'InvalidSelector', `the HPA target's pod selector could not be parsed: ${errorMessage(err)}`);
        await this.writeStatus(hpa, status.build({ currentReplicas: current }));
        return new Error(`couldn't convert selector into a corresponding internal selector object: ${errorMessage(err)}`);
      }
      const computed = computeMetricReplicas(hpa, current, pods, this.recorder);
      status.setMetrics(computed.statuses);
      if (computed.condition) status.setCondition('ScalingActive', computed.condition.status, computed.condition.reason, computed.condition.message);
      if (computed.replicas === undefined) {
        const err = computed.error ?? new Error('no metrics');
        this.recorder.eventf(hpa, 'Warning', 'FailedComputeMetricsReplicas', '%s', err.message);
        await this.writeStatus(hpa, status.build({ currentReplicas: current }));
        return new Error(`failed to compute desired number of replicas based on listed metrics for ${reference}: ${err.message}`);
      }
      metricsErr = computed.error;
      desired = computed.replicas;
      if (desired > current) reason = `${computed.metricName} above target`;
      if (desired < current) reason = 'All metrics below target';
      desired = normalizeReplicas({
        hpa,
        status,
        history: this.recommendations.get(key) ?? [],
        now: this.ctx.clock.now(),
        current,
        desired,
        minReplicas,
        maxReplicas,
        downscaleWindowMs: this.ctx.options.hpaDownscaleStabilizationMs,
      });
      rescale = desired !== current;
    }

    if (rescale) {
      try {
        await this.ctx.client.resource<Scale>(target).namespace(namespace).updateSubresource(ref?.name ?? '', 'scale', { ...scale, spec: { ...scale.spec, replicas: desired } });
      } catch (err) {
        this.recorder.eventf(hpa, 'Warning', 'FailedRescale', 'New size: %d; reason: %s; error: %s', desired, reason, errorMessage(err));
        status.setCondition('AbleToScale', 'False', 'FailedUpdateScale', `the HPA controller was unable to update the target scale: ${errorMessage(err)}`);
        await this.writeStatus(hpa, status.build({ currentReplicas: current }));
        return new Error(`failed to rescale ${reference}: ${errorMessage(err)}`);
      }
      status.setCondition('AbleToScale', 'True', 'SucceededRescale', `the HPA controller was able to update the target scale to ${desired}`);
      this.recorder.eventf(hpa, 'Normal', 'SuccessfulRescale', 'New size: %d; reason: %s', desired, reason);
    } else {
      desired = current;
    }
    const err = await this.writeStatus(hpa, status.build({ currentReplicas: current, desiredReplicas: desired, rescaled: rescale }));
    return err ?? metricsErr;
  }

  private async writeStatus(hpa: HorizontalPodAutoscaler, status: NonNullable<HorizontalPodAutoscaler['status']>): Promise<Error | undefined> {
    if (stableStringify(status) === stableStringify(hpa.status ?? {})) return undefined;
    try {
      await this.ctx.client.resource<HorizontalPodAutoscaler>(HPAS).namespace(hpa.metadata?.namespace ?? '').updateStatus({ ...hpa, status });
      return undefined;
    } catch (err) {
      this.recorder.eventf(hpa, 'Warning', 'FailedUpdateStatus', '%s', errorMessage(err));
      return new Error(`failed to update status for ${hpa.metadata?.name ?? ''}: ${errorMessage(err)}`);
    }
  }
}

export function newHorizontalPodAutoscalerController(ctx: ControllerContext): Controller {
  return new HorizontalPodAutoscalerController(ctx);
}
