// The event bus (ARCHITECTURE.md, "Event bus (NATS)"): with --nats-url, core/v1 Events live in a
// JetStream KV bucket with a max age of --event-ttl instead of the Raft store, and every committed
// object change is published on `kubemu.<cluster>.<resource>.<namespace>`.
//
// Use: startEventBus() before the apiserver (it connects in the background and retries forever),
// then bus.attach(registry, caches, ext) inside ApiServerOptions.special, composed in front of the
// other special handlers. Several replicas attached to one NATS share the bucket.
import { findResource } from '@kubemu/api';
import type { Clock, Logger, Rng } from '@kubemu/base';
import type { AdmissionDeps } from '../admission/admission';
import type { Extensions } from '../http/extensions';
import type { Registry } from '../registry/registry';
import { storeKey } from '../registry/scope';
import type { CacheSet } from '../storage/cache-set';
import { ChangePublisher } from './change-publisher';
import { EventBucket } from './event-bucket';
import { eventsHandler } from './event-handler';
import type { SpecialHandler } from './event-handler';
import { EventRegistry } from './event-registry';
import { NatsLink } from './nats-link';
import { isValidClusterToken } from './subjects';

export { composeSpecial } from './event-handler';
export type { SpecialHandler } from './event-handler';
export { parseDuration } from './duration';
export { CLUSTER_SCOPED, bucketName, changeSubject, streamName } from './subjects';

export interface EventBusOptions {
  /** nats://host:port (comma-separated for several servers). */
  natsUrl: string;
  /** The cluster's name: the bucket's suffix and the second token of change subjects. */
  cluster: string;
  /** How long an Event lives after its last write (kube-apiserver's --event-ttl). */
  eventTtlMs: number;
  clock: Clock;
  rng: Rng;
  log: Logger;
  /** Milliseconds between connection attempts while NATS is unreachable (default 1 s). */
  reconnectWaitMs?: number;
}

export interface EventBus {
  /**
   * Serves core/v1 Events from the bucket and publishes every change `registry` commits. Call it
   * once per apiserver, from ApiServerOptions.special.
   */
  attach(registry: Registry, caches: CacheSet, ext: Extensions): SpecialHandler;
  readonly publisher: ChangePublisher;
  /** True while the NATS connection is up. */
  connected(): boolean;
  close(): Promise<void>;
}

/** Events never allocate service addresses: the namespace lifecycle check is all they are admitted by. */
const NO_SERVICE_ADDRESSES = { ipBase: 0, ipCount: 0, nodePortMin: 0, nodePortMax: -1 };

export function startEventBus(opts: EventBusOptions): EventBus {
  if (!isValidClusterToken(opts.cluster)) throw new Error(`cluster name ${JSON.stringify(opts.cluster)} cannot be a NATS subject token`);
  const link = new NatsLink({ url: opts.natsUrl, log: opts.log, ...(opts.reconnectWaitMs === undefined ? {} : { reconnectWaitMs: opts.reconnectWaitMs }) });
  const bucket = new EventBucket(link, { cluster: opts.cluster, ttlMs: opts.eventTtlMs, log: opts.log });
  const publisher = new ChangePublisher(link, opts.cluster, opts.log);
  return {
    publisher,
    attach(registry, caches, ext) {
      registry.observe((c) => publisher.publish(c));
      const namespaces = findResource('', 'v1', 'namespaces')!;
      const admission: AdmissionDeps = {
        rng: opts.rng,
        ranges: NO_SERVICE_ADDRESSES,
        async lookup(resource, namespace, name) {
          const info = findResource('', 'v1', resource) ?? namespaces;
          const key = storeKey(info, namespace, name);
          return caches.get(info).get(key)?.object ?? (await registry.store.get(key))?.object;
        },
      };
      const events = new EventRegistry({ bucket, clock: opts.clock, rng: opts.rng, admission, committed: (c) => publisher.publish(c) });
      return eventsHandler({ events, bucket, link, clock: opts.clock, handler: { registry, caches, clock: opts.clock, ext } });
    },
    connected: () => link.isUp(),
    close: () => link.close(),
  };
}
