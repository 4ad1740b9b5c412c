// One watch cache per resource, created on first use and shared by all its watchers and lookups.
import type { ResourceInfo } from '@kubemu/api';
import type { Logger } from '@kubemu/base';
import type { ObjectStore } from './object-store';
import { WatchCache } from './watch-cache';

export class CacheSet {
  private readonly caches = new Map<string, WatchCache>();

  constructor(
    readonly store: ObjectStore,
    private readonly log: Pick<Logger, 'warn'>,
    private readonly capacity = 10_000,
  ) {}

  get(info: ResourceInfo): WatchCache {
    let c = this.caches.get(info.storePrefix);
    if (c === undefined) {
      c = new WatchCache(this.store, `${info.storePrefix}/`, { capacity: this.capacity, log: this.log });
      this.caches.set(info.storePrefix, c);
      c.start().catch((err: unknown) => {
        this.log.warn('watch cache failed to start', { prefix: info.storePrefix, err: String(err) });
        this.caches.delete(info.storePrefix);
      });
    }
    return c;
  }

  /** The cache of a resource if something already started it (a watch, a list, a lookup); never starts one. */
  peek(info: ResourceInfo): WatchCache | undefined {
    return this.caches.get(info.storePrefix);
  }

  stop(): void {
    for (const c of this.caches.values()) c.stop();
    this.caches.clear();
  }
}
