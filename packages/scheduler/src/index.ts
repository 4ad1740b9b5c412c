// @kubemu/scheduler: kube-scheduler. A scheduling queue (active, backoff, unschedulable), a cache
// with assumed pods, a framework of filter and score plugins (one folder each under plugins/),
// and the Scheduler that runs one pod per cycle and binds through pods/binding. main.ts adds the
// flags, leader election over the Lease kube-system/kube-scheduler and /healthz + /metrics.
export { Scheduler } from './scheduler';
export type { SchedulerOptions } from './scheduler';
export { SchedulerCache } from './cache/scheduler-cache';
export type { SchedulerCacheOptions } from './cache/scheduler-cache';
export { SchedulingQueue, isPodUpdated } from './queue/scheduling-queue';
export type { QueuedPodInfo, SchedulingQueueOptions, PendingCounts } from './queue/scheduling-queue';
export { Framework } from './framework/framework';
export { ScheduleAlgorithm, numFeasibleNodesToFind } from './framework/schedule-one';
export type { ScheduleOutcome, ScheduleResult } from './framework/schedule-one';
export { FitError, NO_NODES_AVAILABLE } from './framework/fit-error';
export { NodeInfo } from './framework/node-info';
export { newPodInfo, podKey } from './framework/pod-info';
export type { PodInfo, AffinityTerm } from './framework/pod-info';
export { podRequests, nodeAllocatable } from './framework/resource';
export type { Resource } from './framework/resource';
export { success, skip, unschedulable, unresolvable, errorStatus, isSuccess, isRejected } from './framework/status';
export type { Status, Code } from './framework/status';
export { MAX_NODE_SCORE, defaultNormalize } from './framework/interfaces';
export type {
  Plugin,
  PreFilterPlugin,
  FilterPlugin,
  PreScorePlugin,
  ScorePlugin,
  PluginFactory,
  Handle,
  Snapshot,
  CycleState,
  ClusterEvent,
} from './framework/interfaces';
export { inTreeRegistry, defaultProfile, DEFAULT_SCHEDULER_NAME } from './plugins/registry';
export type { Profile, PluginConfig, Registry } from './plugins/registry';
export { SchedulerMetrics } from './metrics';
export { startHealthServer } from './health-server';
export type { HealthServer } from './health-server';
