// One apiserver replica, wired: store client, watch caches, admission, registry, HTTP surface,
// bootstrap. main.ts builds the options from flags; tests call startApiServer directly.
import { findResource } from '@kubemu/api';
import type { KubeObject, ResourceInfo } from '@kubemu/api';
import type { Clock, Logger, Rng } from '@kubemu/base';
import { EtcdClient } from '@kubemu/kvstore';
import type { AdmissionDeps } from './admission/admission';
import { firstServiceIp, parseCidr } from './admission/service-addresses';
import type { ServiceRanges } from './admission/service-addresses';
import { bootstrap } from './bootstrap';
import type { Extensions } from './http/extensions';
import type { HandlerDeps } from './http/resource-handler';
import { storeKey, Registry } from './registry/registry';
import { createSurface } from './server';
import type { HttpSurface } from './server';
import { CacheSet } from './storage/cache-set';
import { Compactor } from './storage/compactor';
import { ObjectStore } from './storage/object-store';

export interface ApiServerOptions {
  etcdServers: string[];
  bindAddress: string;
  securePort: number;
  advertiseAddress: string;
  serviceClusterIpRange: string;
  nodePortRange: [number, number];
  tls?: { key: string; cert: string; ca: string };
  clock: Clock;
  rng: Rng;
  log: Logger;
  ext: Extensions;
  special?: (registry: Registry, caches: CacheSet) => HandlerDeps['special'];
  policy?: KubeObject[];
  watchCacheCapacity?: number;
  /** --etcd-compaction-interval in ms; 0 disables (default 5 min, as kube-apiserver). */
  compactionIntervalMs?: number;
  /** Resources whose caches are filled before serving (the authorizers read them). */
  warm?: () => ResourceInfo[];
}

export interface RunningApiServer {
  port: number;
  url: string;
  registry: Registry;
  caches: CacheSet;
  store: ObjectStore;
  surface: HttpSurface;
  compactor: Compactor;
  close(): Promise<void>;
}

export function serviceRanges(cidr: string, nodePorts: [number, number]): ServiceRanges {
  const { base, count } = parseCidr(cidr);
  return { ipBase: base, ipCount: count, nodePortMin: nodePorts[0], nodePortMax: nodePorts[1] };
}

export async function startApiServer(opts: ApiServerOptions): Promise<RunningApiServer> {
  const client = new EtcdClient({ endpoints: opts.etcdServers });
  const store = new ObjectStore(client);
  const caches = new CacheSet(store, opts.log, opts.watchCacheCapacity);
  const ranges = serviceRanges(opts.serviceClusterIpRange, opts.nodePortRange);
  const admission: AdmissionDeps = {
    rng: opts.rng,
    ranges,
    async lookup(resource, namespace, name) {
      const info = findResource('', 'v1', resource)!;
      const key = storeKey(info, namespace, name);
      const cached = caches.get(info).get(key);
      if (cached !== undefined) return cached.object;
      return (await store.get(key))?.object;
    },
  };
  // Writes start from the watch cache's copy where a cache already follows the resource; they
  // start no cache of their own (a store watch per written resource is not theirs to add).
  const registry = new Registry(store, admission, opts.clock, opts.rng, (info, key) => caches.peek(info)?.get(key));
  const surface = createSurface(
    {
      store,
      caches,
      admission,
      clock: opts.clock,
      log: opts.log,
      ext: opts.ext,
      advertise: `${opts.advertiseAddress}:${opts.securePort}`,
      ...(opts.tls === undefined ? {} : { tls: opts.tls }),
      ...(opts.special === undefined ? {} : { special: opts.special(registry, caches) }),
      ready: async () => {
        await store.currentRevision();
        return true;
      },
    },
    registry,
  );
  await Promise.all((opts.warm?.() ?? []).map((info) => caches.get(info).start()));
  const port = await surface.listen(opts.securePort, opts.bindAddress);
  try {
    await bootstrap(registry, { serviceIp: firstServiceIp(ranges), advertiseIp: opts.advertiseAddress, securePort: port, policy: opts.policy ?? [] }, opts.log);
  } catch (err) {
    caches.stop();
    await surface.close();
    client.close();
    throw err;
  }
  const compactor = new Compactor(client, opts.clock, opts.compactionIntervalMs ?? 5 * 60_000, opts.log);
  compactor.start();
  const scheme = opts.tls === undefined ? 'http' : 'https';
  opts.log.info('apiserver serving', { url: `${scheme}://${opts.bindAddress}:${port}` });
  return {
    port,
    url: `${scheme}://${opts.bindAddress === '0.0.0.0' ? '127.0.0.1' : opts.bindAddress}:${port}`,
    registry,
    caches,
    store,
    surface,
    compactor,
    async close() {
      compactor.stop();
      caches.stop();
      await surface.close();
      client.close();
    },
  };
}
