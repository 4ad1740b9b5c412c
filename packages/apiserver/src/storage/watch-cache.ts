// One store watch per resource, shared by every client watch of that resource (kube-apiserver's
// cacher): the cache lists the prefix once, then follows the store's watch, keeping the current
// objects and a window of recent events. A client watch from a resourceVersion inside the window is
// served from memory; an older one is left to the caller (a direct store watch, which answers
// "compacted" once the store has dropped that history).
import type { KubeObject } from '@kubemu/api';
import type { Logger } from '@kubemu/base';
import type { EtcdWatch, Event as EtcdEvent } from '@kubemu/kvstore';
import { bytes, decodeKv, prefixEnd } from './object-store';
import type { ObjectStore, Stored } from './object-store';

export type ChangeType = 'ADDED' | 'MODIFIED' | 'DELETED';

export interface Change {
  type: ChangeType;
  key: string;
  /** The object after the change; for DELETED its last state, with the deletion's resourceVersion. */
  object: KubeObject;
  /** The object before the change (absent for ADDED). */
  prev?: KubeObject;
  revision: number;
}

export interface CacheWatcher {
  /** Delivered in revision order, each change once. */
  onChange(change: Change): void;
  /** The cache restarted (its store watch was lost for good): the client must watch again. */
  onTerminated(reason: string): void;
}

export interface CacheWatch {
  stop(): void;
}

const text = new TextDecoder();

export class WatchCache {
  private readonly items = new Map<string, Stored>();
  /** Recent changes, oldest first; `windowStart` is the revision from which the window is complete. */
  private window: Change[] = [];
  private windowStart = 0;
  private rev = 0;
  private readonly watchers = new Set<CacheWatcher>();
  private storeWatch: EtcdWatch | undefined;
  private ready: Promise<void> | undefined;
  private stopped = false;

  constructor(
    private readonly store: ObjectStore,
    readonly prefix: string,
    private readonly opts: { capacity?: number; log?: Pick<Logger, 'warn'> } = {},
  ) {}

  /** Lists the prefix and starts following it; resolves once the cache is filled. */
  start(): Promise<void> {
    this.ready ??= this.fill();
    return this.ready;
  }

  get revision(): number {
    return this.rev;
  }

  /** The oldest resourceVersion a watch may start from and be served by this cache. */
  get oldestServable(): number {
    return this.windowStart;
  }

  list(): { items: Stored[]; revision: number } {
    return { items: [...this.items.values()], revision: this.rev };
  }

  get(key: string): Stored | undefined {
    return this.items.get(key);
  }

  /**
   * Sends every change after `fromRevision`, then follows. Returns undefined when `fromRevision` is
   * older than the window (the caller falls back to the store).
   */
  watch(fromRevision: number, watcher: CacheWatcher): CacheWatch | undefined {
    if (fromRevision < this.windowStart) return undefined;
    for (const c of this.window) if (c.revision > fromRevision) watcher.onChange(c);
    // Changes between the window and fromRevision (fromRevision ahead of the cache) are skipped by
    // the revision check in deliver.
    const filtered: CacheWatcher = {
      onChange: (c) => {
        if (c.revision > fromRevision) watcher.onChange(c);
      },
      onTerminated: (r) => watcher.onTerminated(r),
    };
    this.watchers.add(filtered);
    return { stop: () => this.watchers.delete(filtered) };
  }

  stop(): void {
    this.stopped = true;
    this.storeWatch?.cancel();
    for (const w of this.watchers) w.onTerminated('apiserver is shutting down');
    this.watchers.clear();
  }

  private async fill(): Promise<void> {
    this.items.clear();
    let startKey: string | undefined;
    let revision = 0;
    for (;;) {
      const page = await this.store.list(this.prefix, { limit: 10_000, revision, ...(startKey === undefined ? {} : { startKey }) });
      revision = page.revision;
      for (const s of page.items) this.items.set(s.key, s);
      if (page.nextKey === undefined) break;
      startKey = page.nextKey;
    }
    this.rev = revision;
    this.window = [];
    this.windowStart = revision;
    this.follow(revision + 1);
  }

  private follow(from: number): void {
    this.storeWatch = this.store.client.watch(
      { key: bytes(this.prefix), rangeEnd: prefixEnd(this.prefix), startRevision: from },
      {
        onEvents: (events, revision) => this.apply(events, revision),
        onCanceled: (reason) => {
          if (this.stopped) return;
          // The store compacted past us (we fell far behind): relist, and tell every client to
          // watch again, as kube-apiserver's cacher does on a lost watch.
          this.opts.log?.warn('watch cache restarting', { prefix: this.prefix, reason });
          for (const w of this.watchers) w.onTerminated(reason);
          this.watchers.clear();
          this.ready = this.fill();
        },
      },
    );
  }

  private apply(events: EtcdEvent[], revision: number): void {
    for (const e of events) {
      const key = text.decode(e.kv.key);
      const prev = this.items.get(key);
      let change: Change;
      if (e.type === 'DELETE') {
        this.items.delete(key);
        if (prev === undefined) continue;
        const object = { ...prev.object, metadata: { ...prev.object.metadata, resourceVersion: String(e.kv.modRevision) } };
        change = { type: 'DELETED', key, object, prev: prev.object, revision: e.kv.modRevision };
      } else {
        const stored = decodeKv(e.kv);
        this.items.set(key, stored);
        change = prev === undefined
          ? { type: 'ADDED', key, object: stored.object, revision: stored.revision }
          : { type: 'MODIFIED', key, object: stored.object, prev: prev.object, revision: stored.revision };
      }
      this.rev = Math.max(this.rev, change.revision);
      this.window.push(change);
      for (const w of this.watchers) w.onChange(change);
    }
    this.rev = Math.max(this.rev, revision);
    // The window holds between `capacity` and 1.25 x `capacity` changes: trimming once per
    // quarter of the capacity keeps the copy amortised O(1) per change (trimming to exactly
    // `capacity` copied the whole window on every change once it was full).
    const capacity = this.opts.capacity ?? 10_000;
    if (this.window.length > capacity + Math.max(1, capacity >> 2)) {
      const drop = this.window.length - capacity;
      this.windowStart = this.window[drop - 1]!.revision;
      this.window = this.window.slice(drop);
    }
  }
}
