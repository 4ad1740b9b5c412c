// A shared informer: one reflector and one cache per resource, shared by every handler that
// cares about it. The cache is updated before handlers are told, so a handler (or a worker it
// wakes) always finds at least that state in the lister. Handlers run synchronously, in the
// order they were added, and should do no more than compute a key and enqueue it.
import type { Clock, Logger, Rng, Timer } from '@kubemu/base';
import { deferred } from '@kubemu/base';
import type { KubeObject } from '@kubemu/api';
import { Lister } from './lister';
import { Reflector } from './reflector';
import type { ListerWatcher, ReflectorOptions, ReflectorStore } from './reflector';
import { DeletedFinalStateUnknown, Indexer, NAMESPACE_INDEX, namespaceIndexFunc } from './store';
import type { Indexers } from './store';

export interface ResourceEventHandler<T> {
  /** `isInInitialList`: the object came with the informer's first list, or is a late handler's catch-up. */
  onAdd?(obj: T, isInInitialList: boolean): void;
  /** Also called on resync and relist with the same object twice: compare resourceVersions to tell. */
  onUpdate?(oldObj: T, newObj: T): void;
  /** A DeletedFinalStateUnknown when the deletion was learned by relisting (the final state is unknown). */
  onDelete?(obj: T | DeletedFinalStateUnknown<T>): void;
}

export interface HandlerRegistration {
  /** Stops delivering to this handler. */
  remove(): void;
  /** True once the handler has been told of everything in the informer's first list. */
  hasSynced(): boolean;
  whenSynced(): Promise<void>;
}

export interface SharedInformerOptions extends Partial<Omit<ReflectorOptions, 'clock' | 'rng'>> {
  clock: Clock;
  rng: Rng;
  logger?: Logger;
  /** Default resync period of handlers (0: none). */
  resyncPeriodMs?: number;
  /** Extra indexers; the namespace index is always there. */
  indexers?: Indexers<KubeObject>;
}

interface Listener<T> {
  handler: ResourceEventHandler<T>;
  resync?: Timer;
  removed: boolean;
}

/** Something that can report having synced; informers and handler registrations both can. */
export interface Syncable {
  hasSynced(): boolean;
  whenSynced(): Promise<void>;
}

export class SharedInformer<T extends KubeObject> implements ReflectorStore<T>, Syncable {
  private readonly indexer: Indexer<T>;
  private readonly listeners: Listener<T>[] = [];
  private readonly reflector: Reflector<T>;
  private readonly synced = deferred<void>();
  private isSynced = false;
  private started = false;
  private stopped = false;

  constructor(
    lw: ListerWatcher<T>,
    private readonly opts: SharedInformerOptions,
  ) {
    this.indexer = new Indexer<T>(undefined, { [NAMESPACE_INDEX]: namespaceIndexFunc, ...(opts.indexers as Indexers<T> | undefined) });
    this.reflector = new Reflector<T>(lw, this, opts);
  }

  /**
   * Adds a handler. If the informer already has objects, the handler first receives an onAdd
   * for each (synchronously, before this returns), as client-go's late handlers do.
   */
  addEventHandler(handler: ResourceEventHandler<T>, resyncPeriodMs = this.opts.resyncPeriodMs ?? 0): HandlerRegistration {
    const listener: Listener<T> = { handler, removed: false };
    this.listeners.push(listener);
    for (const obj of this.indexer.list()) this.call(() => handler.onAdd?.(obj, true));
    if (resyncPeriodMs > 0) listener.resync = this.opts.clock.setInterval(() => this.resync(listener), resyncPeriodMs);
    return {
      remove: () => {
        listener.removed = true;
        listener.resync?.cancel();
        const i = this.listeners.indexOf(listener);
        if (i >= 0) this.listeners.splice(i, 1);
      },
      hasSynced: () => this.isSynced,
      whenSynced: () => this.synced.promise,
    };
  }

  /** Adds indexers; allowed before and after start (existing objects are indexed). */
  addIndexers(indexers: Indexers<T>): void {
    this.indexer.addIndexers(indexers);
  }

  getIndexer(): Indexer<T> {
    return this.indexer;
  }

  lister(): Lister<T> {
    return new Lister<T>(this.indexer);
  }

  start(): void {
    if (this.started || this.stopped) return;
    this.started = true;
    this.reflector.run();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const l of this.listeners) l.resync?.cancel();
    await this.reflector.stop();
  }

  /** True once the first list has been put in the cache and handed to the handlers. */
  hasSynced(): boolean {
    return this.isSynced;
  }

  whenSynced(): Promise<void> {
    return this.synced.promise;
  }

  lastSyncResourceVersion(): string {
    return this.reflector.lastSyncResourceVersion();
  }

  // ReflectorStore: what the reflector reports, applied to the cache, then told to the handlers.

  replace(items: T[], _resourceVersion: string): void {
    const fresh = new Map<string, T>();
    for (const o of items) fresh.set(this.indexer.keyFunc(o), o);
    const gone: [string, T][] = [];
    for (const key of this.indexer.listKeys()) {
      if (!fresh.has(key)) gone.push([key, this.indexer.getByKey(key) as T]);
    }
    const initial = !this.isSynced;
    for (const [key, old] of gone) {
      this.indexer.deleteKey(key);
      this.notify((h) => h.onDelete?.(new DeletedFinalStateUnknown(key, old)));
    }
    for (const obj of items) {
      const old = this.indexer.add(obj);
      if (old === undefined) this.notify((h) => h.onAdd?.(obj, initial));
      else this.notify((h) => h.onUpdate?.(old, obj));
    }
    if (initial) {
      this.isSynced = true;
      this.synced.resolve();
    }
  }

  add(obj: T): void {
    const old = this.indexer.add(obj);
    if (old === undefined) this.notify((h) => h.onAdd?.(obj, false));
    else this.notify((h) => h.onUpdate?.(old, obj));
  }

  update(obj: T): void {
    this.add(obj);
  }

  delete(obj: T): void {
    this.indexer.delete(obj);
    this.notify((h) => h.onDelete?.(obj));
  }

  private resync(listener: Listener<T>): void {
    if (listener.removed || !this.isSynced) return;
    for (const obj of this.indexer.list()) this.call(() => listener.handler.onUpdate?.(obj, obj));
  }

  private notify(fn: (h: ResourceEventHandler<T>) => void): void {
    // A copy: a handler may add or remove handlers while being called.
    for (const l of [...this.listeners]) if (!l.removed) this.call(() => fn(l.handler));
  }

  private call(fn: () => void): void {
    try {
      fn();
    } catch (err) {
      this.opts.logger?.error('event handler failed', { error: (err as Error).message });
    }
  }
}

/**
 * Waits until every informer (or registration) has synced. Resolves false if `signal` aborts
 * first, as cache.WaitForCacheSync returns false when its stop channel closes.
 */
export async function waitForCacheSync(signal: AbortSignal | undefined, ...informers: Syncable[]): Promise<boolean> {
  const pending = informers.filter((i) => !i.hasSynced());
  if (pending.length === 0) return true;
  if (signal?.aborted) return false;
  const all = Promise.all(pending.map((i) => i.whenSynced())).then(() => true);
  if (signal === undefined) return all;
  const aborted = new Promise<boolean>((resolve) => signal.addEventListener('abort', () => resolve(false), { once: true }));
  return Promise.race([all, aborted]);
}
