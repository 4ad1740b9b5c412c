// Helpers shared by the controllers under ../controllers (pkg/controller in Kubernetes): pod
// predicates, controller references and claiming, pod creation with events, slow start, the
// deletion order of pods, and the queue-driven run loop.
export { isPodActive, isPodReady, isPodAvailable, podReadyTime, podCondition, parseTime } from './pod-util';
export { controllerRefOf, newControllerRef, claimObjects, recheckOwner } from './controller-ref';
export type { ClaimOptions, ClaimResult } from './controller-ref';
export { PodControl, PODS, podFromTemplate } from './pod-control';
export { slowStartBatch, SLOW_START_INITIAL_BATCH_SIZE } from './slow-start';
export type { SlowStartResult } from './slow-start';
export { podsToDelete, compareForDeletion, POD_DELETION_COST_ANNOTATION } from './active-pods';
export type { RankedPod } from './active-pods';
export { runQueueWorkers, newQueue, hasStatusCause, errorMessage, aggregate } from './queue-worker';
export type { QueueWorkerOptions } from './queue-worker';
export { ensureIndex, CONTROLLER_UID_INDEX, controllerUidIndexFunc, orphanIndexKey } from './indexes';
