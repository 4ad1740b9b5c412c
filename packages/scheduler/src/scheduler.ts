// The scheduler: one pod per cycle. A cycle pops the next pod, runs the algorithm over the cache
// (synchronously: nothing else touches the cache meanwhile), assumes the pod on the chosen node
// and hands it to the binding cycle, which runs concurrently with later scheduling cycles
// (POST pods/<name>/binding, then the Scheduled event). A pod that fits nowhere gets a
// FailedScheduling event, the PodScheduled=False condition, and waits in the queue.
import type { Clock, Logger, Rng, Timer } from '@kubemu/base';
import type { Pod } from '@kubemu/api';
import { isConflict, isNotFound, rfc3339, waitForCacheSync } from '@kubemu/client';
import type { EventRecorder, ResourceClient, RestClient, SharedInformerFactory } from '@kubemu/client';
import { SchedulerCache } from './cache/scheduler-cache';
import { Framework } from './framework/framework';
import type { FitError } from './framework/fit-error';
import type { PodInfo } from './framework/pod-info';
import { ScheduleAlgorithm } from './framework/schedule-one';
import type { Status } from './framework/status';
import { InformerWiring, PODS } from './informer-wiring';
import { SchedulerMetrics } from './metrics';
import { defaultProfile, inTreeRegistry } from './plugins/registry';
import type { Profile, Registry } from './plugins/registry';
import { SchedulingQueue } from './queue/scheduling-queue';
import type { QueuedPodInfo } from './queue/scheduling-queue';

type PodCondition = NonNullable<NonNullable<Pod['status']>['conditions']>[number];

export interface SchedulerOptions {
  client: RestClient;
  /** Shared informers of the process (nodes, namespaces, services, controllers). */
  informers: SharedInformerFactory;
  clock: Clock;
  rng: Rng;
  log: Logger;
  recorder: EventRecorder;
  profile?: Profile;
  registry?: Registry;
  /** --percentage-of-nodes-to-score; 0 = adaptive. */
  percentageOfNodesToScore?: number;
  podInitialBackoffMs?: number;
  podMaxBackoffMs?: number;
  /** How long a bound pod may stay assumed before the cache drops it (default 30 s). */
  assumedPodTtlMs?: number;
  /** Bindings in flight at once; more wait their turn (default 64). */
  maxInFlightBindings?: number;
  metrics?: SchedulerMetrics;
}

export class Scheduler {
  readonly cache: SchedulerCache;
  readonly queue: SchedulingQueue;
  readonly framework: Framework;
  readonly metrics: SchedulerMetrics;
  private readonly wiring: InformerWiring;
  private readonly algorithm: ScheduleAlgorithm;
  private readonly profile: Profile;
  private readonly pods: ResourceClient<Pod>;
  private readonly bindings = new Set<Promise<void>>();
  private readonly bindWaiters: (() => void)[] = [];
  private bindingSlots: number;
  /** Aborts bindings in flight when run() ends. */
  private stopBindings = new AbortController();

  constructor(private readonly o: SchedulerOptions) {
    this.profile = o.profile ?? defaultProfile();
    this.metrics = o.metrics ?? new SchedulerMetrics();
    this.cache = new SchedulerCache({ clock: o.clock, ...(o.assumedPodTtlMs !== undefined ? { assumedPodTtlMs: o.assumedPodTtlMs } : {}) });
    // The queue asks the framework which events help a pod its plugins rejected; the framework is
    // built right after, before any event can arrive.
    this.queue = new SchedulingQueue({
      clock: o.clock,
      ...(o.podInitialBackoffMs !== undefined ? { initialBackoffMs: o.podInitialBackoffMs } : {}),
      ...(o.podMaxBackoffMs !== undefined ? { maxBackoffMs: o.podMaxBackoffMs } : {}),
      pluginEvents: (name) => this.framework.plugin(name)?.events,
    });
    this.wiring = new InformerWiring({
      client: o.client,
      informers: o.informers,
      clock: o.clock,
      rng: o.rng,
      log: o.log,
      cache: this.cache,
      queue: this.queue,
      responsibleFor: (pod) => (pod.spec?.schedulerName ?? this.profile.schedulerName) === this.profile.schedulerName,
    });
    this.framework = new Framework(o.registry ?? inTreeRegistry(), this.profile.plugins, this.wiring);
    this.algorithm = new ScheduleAlgorithm(this.framework, o.rng.fork(), o.percentageOfNodesToScore ?? 0);
    this.pods = o.client.resource<Pod>(PODS);
    this.bindingSlots = o.maxInFlightBindings ?? 64;
  }

  /** Starts watching (pods here; the factory's informers by whoever starts the factory). */
  startInformers(): void {
    this.wiring.start();
  }

  /** Resolves true once every informer the scheduler reads has synced (false if `signal` aborts first). */
  waitForCacheSync(signal?: AbortSignal): Promise<boolean> {
    return waitForCacheSync(signal, ...this.wiring.informers());
  }

  /** Schedules until `signal` aborts, then waits for bindings in flight. */
  async run(signal: AbortSignal): Promise<void> {
    if (!(await this.waitForCacheSync(signal))) return;
    this.stopBindings = new AbortController();
    this.queue.run();
    const cleanup: Timer = this.o.clock.setInterval(() => {
      for (const key of this.cache.cleanupExpiredAssumedPods()) this.o.log.warn('assumed pod expired', { pod: key });
    }, 1000);
    try {
      while (!signal.aborted) {
        await this.scheduleOne(signal);
        // Let I/O (binding answers, watch events) in between cycles.
        await new Promise<void>((resolve) => setImmediate(resolve));
      }
    } finally {
      cleanup.cancel();
      this.queue.close();
      this.stopBindings.abort();
      await Promise.allSettled([...this.bindings]);
    }
  }

  async stop(): Promise<void> {
    await this.wiring.stop();
  }

  /** One scheduling cycle; returns after the binding cycle has been started. */
  async scheduleOne(signal?: AbortSignal): Promise<void> {
    const q = await this.queue.pop(signal);
    if (q === undefined) return;
    const cycle = this.queue.currentCycle();
    const info = q.podInfo;
    const pod = info.pod;
    if (pod.metadata?.deletionTimestamp != null || (pod.spec?.nodeName ?? '') !== '' || this.cache.isAssumed(info.key)) {
      this.queue.done(info.key);
      return;
    }
    const start = this.o.clock.now();
    const outcome = this.algorithm.schedule(info, this.cache.snapshot());
    if (!outcome.ok) {
      if ('fitError' in outcome) this.unschedulable(q, cycle, outcome.fitError, start);
      else this.failed(q, cycle, outcome.error, start);
      return;
    }
    const node = outcome.result.node;
    const assumed: PodInfo = { ...info, pod: { ...pod, spec: { ...pod.spec!, nodeName: node } } };
    this.cache.assumePod(assumed);
    const p = this.bind(q, assumed, node, start).finally(() => this.bindings.delete(p));
    this.bindings.add(p);
  }

  /** The binding cycle: POST the Binding; on failure undo the assumption and retry the pod. */
  private async bind(q: QueuedPodInfo, info: PodInfo, node: string, start: number): Promise<void> {
    const pod = info.pod;
    const ns = pod.metadata?.namespace ?? '';
    const name = pod.metadata?.name ?? '';
    await this.acquireBindingSlot();
    try {
      await this.pods.namespace(ns).createSubresource(name, 'binding', {
        apiVersion: 'v1',
        kind: 'Binding',
        metadata: { name, namespace: ns, ...(pod.metadata?.uid !== undefined ? { uid: pod.metadata.uid } : {}) },
        target: { apiVersion: 'v1', kind: 'Node', name: node },
      }, { signal: this.stopBindings.signal });
      this.cache.finishBinding(info.key);
      this.queue.done(info.key);
      this.o.recorder.eventf(pod, 'Normal', 'Scheduled', 'Successfully assigned %s/%s to %s', ns, name, node);
      this.observe('scheduled', start, q);
    } catch (err) {
      this.cache.forgetPod(info.key);
      if (this.stopBindings.signal.aborted) return;
      // The resources it held are free again.
      this.queue.moveAllToActiveOrBackoff('AssignedPodDelete');
      if (isNotFound(err) || isConflict(err)) {
        // Deleted, or bound by someone else: the informer will tell the cache.
        this.queue.done(info.key);
        this.o.log.info('binding skipped', { pod: info.key, node, reason: (err as Error).message });
        return;
      }
      const message = `Binding rejected: ${(err as Error).message}`;
      this.o.recorder.eventf(pod, 'Warning', 'FailedScheduling', '%s', message);
      this.queue.addUnschedulable(q, this.queue.currentCycle(), new Set(), true);
      this.observe('error', start, q);
    } finally {
      this.releaseBindingSlot();
    }
  }

  private unschedulable(q: QueuedPodInfo, cycle: number, fit: FitError, start: number): void {
    const message = fit.message();
    const pod = q.podInfo.pod;
    this.o.log.info('unable to schedule pod; no fit; waiting', { pod: q.podInfo.key, err: message });
    this.o.recorder.eventf(pod, 'Warning', 'FailedScheduling', '%s', message);
    this.setCondition(pod, 'Unschedulable', message);
    this.queue.addUnschedulable(q, cycle, fit.unschedulablePlugins());
    this.observe('unschedulable', start);
  }

  private failed(q: QueuedPodInfo, cycle: number, status: Status, start: number): void {
    const message = status.reasons.join(', ');
    const pod = q.podInfo.pod;
    this.o.log.error('error scheduling pod; retrying', { pod: q.podInfo.key, err: message });
    this.o.recorder.eventf(pod, 'Warning', 'FailedScheduling', '%s', message);
    this.setCondition(pod, 'SchedulerError', message);
    this.queue.addUnschedulable(q, cycle, new Set(), true);
    this.observe('error', start);
  }

  /** PodScheduled=False with `reason`, written only when it differs from what the pod has. */
  private setCondition(pod: Pod, reason: string, message: string): void {
    const current = pod.status?.conditions?.find((c) => c.type === 'PodScheduled');
    if (current?.status === 'False' && current.reason === reason && current.message === message) return;
    const condition: PodCondition = {
      type: 'PodScheduled',
      status: 'False',
      reason,
      message,
      lastProbeTime: null as unknown as string,
      lastTransitionTime: current?.status === 'False' && current.lastTransitionTime !== undefined ? current.lastTransitionTime : rfc3339(this.o.clock.wallNow()),
    };
    const ns = pod.metadata?.namespace ?? '';
    const name = pod.metadata?.name ?? '';
    const patch = { status: { conditions: [condition] } };
    this.pods
      .namespace(ns)
      .patch(name, 'strategic', patch, { subresource: 'status' })
      .catch((err: unknown) => {
        if (!isNotFound(err)) this.o.log.warn('failed to update pod condition', { pod: `${ns}/${name}`, err: (err as Error).message });
      });
  }

  private observe(result: 'scheduled' | 'unschedulable' | 'error', start: number, q?: QueuedPodInfo): void {
    const labels = { result, profile: this.profile.schedulerName };
    const now = this.o.clock.now();
    this.metrics.scheduleAttempts.add(labels);
    this.metrics.attemptDuration.observe(labels, (now - start) / 1000);
    if (result === 'scheduled' && q !== undefined) this.metrics.e2eDuration.observe({ attempts: String(q.attempts) }, (now - q.enqueuedAt) / 1000);
  }

  private acquireBindingSlot(): Promise<void> {
    if (this.bindingSlots > 0) {
      this.bindingSlots--;
      return Promise.resolve();
    }
    return new Promise((resolve) => this.bindWaiters.push(resolve));
  }

  private releaseBindingSlot(): void {
    const next = this.bindWaiters.shift();
    if (next !== undefined) next();
    else this.bindingSlots++;
  }
}
