// @kubemu/client: kubemu's client-go. Everything a component needs to talk to the apiserver:
// configuration, the REST client and its typed resource helpers, watch decoding, reflectors and
// shared informers with their caches and listers, the controller work queue, expectations,
// Lease leader election and the event recorder; plus FakeApiServer, an in-memory apiserver for
// tests that speaks the same Transport interface as the real HTTP one.

// Configuration
export { loadRestConfig, inClusterConfig, parseKubeConfig, mergeKubeConfigs, restConfigFromKubeConfig, KubeConfigError, SERVICE_ACCOUNT_DIR } from './kubeconfig';
export type { RestConfig, KubeConfig, LoadRestConfigOptions } from './kubeconfig';

// Transport and REST
export type { Transport, TransportRequest, TransportResponse, TransportStream, HttpMethod } from './transport';
export { HttpTransport } from './http-transport';
export { RestClient } from './rest-client';
export type { RestClientOptions } from './rest-client';
export { buildPath } from './requester';
export type { ApiRequester, RequestOptions, RawResponse, QueryValue } from './requester';
export { ResourceClient, PATCH_CONTENT_TYPES } from './resource-client';
export type {
  ResourceSpec,
  ObjectList,
  ListMeta,
  ListOptions,
  WatchOptions,
  WriteOptions,
  DeleteOptions,
  Preconditions,
  PatchType,
  PatchOptions,
} from './resource-client';
export {
  ApiError,
  ConnectionError,
  failureStatus,
  isStatus,
  isNotFound,
  isAlreadyExists,
  isConflict,
  isInvalid,
  isForbidden,
  isGone,
  isResourceExpired,
  isTooManyRequests,
  isServerError,
} from './api-error';
export type { StatusJson, StatusDetailsJson, StatusCauseJson } from './api-error';
export { Watch, JsonStreamDecoder, WatchDecodeError } from './watch';
export type { WatchEvent, WatchEventType } from './watch';
export { TokenBucket } from './token-bucket';
export { rfc3339, microTime } from './time-format';

// Caches, reflectors, informers
export { Indexer, metaNamespaceKey, splitMetaNamespaceKey, namespaceIndexFunc, NAMESPACE_INDEX, DeletedFinalStateUnknown, deletedObject } from './store';
export type { KeyFunc, IndexFunc, Indexers } from './store';
export { Lister, NamespaceLister } from './lister';
export { Reflector } from './reflector';
export type { ListerWatcher, ReflectorStore, ReflectorOptions } from './reflector';
export { SharedInformer, waitForCacheSync } from './shared-informer';
export type { ResourceEventHandler, HandlerRegistration, SharedInformerOptions, Syncable } from './shared-informer';
export { SharedInformerFactory } from './informer-factory';
export type { InformerFactoryOptions } from './informer-factory';

// Controller machinery
export { WorkQueue, DelayingQueue, RateLimitingQueue } from './work-queue';
export { runWorkers, processNextWorkItem } from './controller-loop';
export type { SyncFn, WorkerOptions } from './controller-loop';
export { ItemExponentialFailureRateLimiter, BucketRateLimiter, MaxOfRateLimiter, defaultControllerRateLimiter } from './rate-limiter';
export type { RateLimiter } from './rate-limiter';
export { ControllerExpectations, UIDTrackingExpectations, EXPECTATIONS_TTL_MS } from './expectations';
export type { Expectation } from './expectations';
export { LeaderElector, JITTER_FACTOR } from './leader-election';
export type { LeaderElectionConfig, LeaderCallbacks } from './leader-election';
export { LeaseLock, LEASES } from './lease-lock';
export type { ResourceLock, LeaderElectionRecord, ObservedRecord } from './lease-lock';
export { EventRecorder, objectReference, EVENTS } from './event-recorder';
export type { EventRecorderOptions, EventType, ObjectReference } from './event-recorder';

// Testing
export { FakeApiServer } from './testing/fake-api';
export type { FakeApiServerOptions, FailureRule, FakeRequest, Verb as FakeVerb } from './testing/fake-api';
export { applyMergePatch, applyStrategicMergePatch } from './testing/strategic-merge';
