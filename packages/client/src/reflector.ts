// A reflector keeps a store equal to the server's state of one resource: it lists (page by page),
// hands the whole list to the store, then watches from the list's resourceVersion and hands over
// each change. Invariant: `lastSyncResourceVersion` is the version of the newest state the store
// has seen, so a new watch from it misses nothing and repeats nothing.
//
// Recovery, as client-go's reflector does it:
// - the server ends the watch (its timeoutSeconds, a restart): watch again from lastSyncResourceVersion;
// - 410 Gone/Expired (the version was compacted away), as an HTTP answer or an ERROR event: relist
//   at once, and the store's replace() turns objects missing from the new list into deletes;
// - a refused or broken connection, 429, 5xx: retry the watch after Backoff;
// - any other failure: relist after Backoff.
import { Backoff } from '@kubemu/base';
import type { BackoffOptions, Clock, Logger, Rng } from '@kubemu/base';
import type { KubeObject } from '@kubemu/api';
import { ApiError, ConnectionError, isGone, isServerError, isTooManyRequests } from './api-error';
import type { ListOptions, ObjectList, WatchOptions } from './resource-client';
import { sleep } from './token-bucket';
import type { Watch } from './watch';
import { WatchDecodeError } from './watch';

/** The two calls a reflector makes; a ResourceClient is one. */
export interface ListerWatcher<T> {
  list(opts: ListOptions): Promise<ObjectList<T>>;
  watch(opts: WatchOptions): Promise<Watch<T>>;
}

/** Where a reflector puts what it learns. */
export interface ReflectorStore<T> {
  /** The complete state at `resourceVersion`: anything stored but not in `items` no longer exists. */
  replace(items: T[], resourceVersion: string): void;
  add(obj: T): void;
  update(obj: T): void;
  delete(obj: T): void;
}

export interface ReflectorOptions {
  clock: Clock;
  rng: Rng;
  logger?: Logger;
  /** Names the reflector in logs, e.g. "pods". */
  name?: string;
  /** Items per list page (client-go: 500). */
  pageSize?: number;
  /** Backoff between failed attempts (client-go: 800 ms doubling to 30 s, with jitter). */
  backoff?: BackoffOptions;
  /** Each watch asks the server to end it after a random time in [min, 2*min) (client-go: 5 min). */
  minWatchTimeoutSeconds?: number;
}

const DEFAULT_BACKOFF: BackoffOptions = { initialMs: 800, maxMs: 30_000, factor: 2, jitter: 1 };
/** A watch that ends sooner than this without an event is treated as a failure (client-go: "very short watch"). */
const SHORT_WATCH_MS = 1000;

type WatchOutcome = 'closed' | 'short' | 'expired';

export class Reflector<T extends KubeObject> {
  private lastRV = '';
  private needList = true;
  private stopped = false;
  private running: Promise<void> | undefined;
  private readonly abort = new AbortController();
  private current: Watch<T> | undefined;
  private readonly backoff: Backoff;

  constructor(
    private readonly lw: ListerWatcher<T>,
    private readonly store: ReflectorStore<T>,
    private readonly opts: ReflectorOptions,
  ) {
    this.backoff = new Backoff(opts.backoff ?? DEFAULT_BACKOFF, opts.rng);
  }

  /** The resourceVersion of the newest state delivered to the store ('' before the first list). */
  lastSyncResourceVersion(): string {
    return this.lastRV;
  }

  /** Starts the list-and-watch loop in the background. */
  run(): void {
    if (this.running !== undefined) return;
    this.running = this.loop();
  }

  /** Stops the loop and closes the open watch; resolves when the loop has ended. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.abort.abort();
    this.current?.stop();
    await this.running;
  }

  private get name(): string {
    return this.opts.name ?? 'reflector';
  }

  private async loop(): Promise<void> {
    while (!this.stopped) {
      try {
        await this.listAndWatch();
      } catch (err) {
        if (this.stopped) break;
        this.opts.logger?.warn('list and watch failed', { reflector: this.name, error: (err as Error).message });
        await sleep(this.opts.clock, this.backoff.next(), this.abort.signal);
      }
    }
  }

  /** Lists if needed, then watches until a relist is needed (returns) or a failure (throws). */
  private async listAndWatch(): Promise<void> {
    if (this.needList) {
      await this.list();
      this.needList = false;
      this.backoff.reset();
    }
    while (!this.stopped) {
      let outcome: WatchOutcome;
      try {
        outcome = await this.watchOnce();
      } catch (err) {
        if (this.stopped) return;
        if (isGone(err)) outcome = 'expired';
        else if (retryWatch(err)) outcome = 'short';
        else {
          this.needList = true;
          throw err;
        }
        this.opts.logger?.info('watch ended', { reflector: this.name, error: (err as Error).message });
      }
      if (outcome === 'expired') {
        this.opts.logger?.info('watch expired, relisting', { reflector: this.name, resourceVersion: this.lastRV });
        this.needList = true;
        return;
      }
      if (outcome === 'short') await sleep(this.opts.clock, this.backoff.next(), this.abort.signal);
    }
  }

  private async list(): Promise<void> {
    const pageSize = this.opts.pageSize ?? 500;
    const items: T[] = [];
    let cont: string | undefined;
    let rv = '';
    for (;;) {
      let page: ObjectList<T>;
      try {
        page = await this.lw.list({ limit: pageSize, ...(cont !== undefined ? { continue: cont } : {}), signal: this.abort.signal });
      } catch (err) {
        if (cont === undefined || !isGone(err)) throw err;
        // The continue token expired mid-list: take everything in one unpaged list (client-go's FullListIfExpired).
        items.length = 0;
        page = await this.lw.list({ signal: this.abort.signal });
      }
      items.push(...page.items);
      rv = page.metadata.resourceVersion ?? '';
      cont = page.metadata.continue || undefined;
      if (cont === undefined) break;
    }
    if (this.stopped) return;
    this.store.replace(items, rv);
    this.lastRV = rv;
  }

  private async watchOnce(): Promise<WatchOutcome> {
    const minTimeout = this.opts.minWatchTimeoutSeconds ?? 300;
    const timeoutSeconds = Math.floor(minTimeout * (1 + this.opts.rng.next()));
    const watch = await this.lw.watch({
      resourceVersion: this.lastRV,
      allowWatchBookmarks: true,
      timeoutSeconds,
      signal: this.abort.signal,
    });
    this.current = watch;
    const started = this.opts.clock.now();
    let events = 0;
    try {
      for await (const ev of watch) {
        if (this.stopped) break;
        if (ev.type === 'ERROR') {
          if (ev.object.code === 410) return 'expired';
          throw new ApiError(ev.object);
        }
        const rv = ev.object.metadata?.resourceVersion;
        if (rv === undefined || rv === '') throw new WatchDecodeError(`${ev.type} event without metadata.resourceVersion`);
        events++;
        if (ev.type === 'ADDED') this.store.add(ev.object);
        else if (ev.type === 'MODIFIED') this.store.update(ev.object);
        else if (ev.type === 'DELETED') this.store.delete(ev.object);
        this.lastRV = rv;
      }
    } finally {
      watch.stop();
      this.current = undefined;
    }
    if (events > 0) this.backoff.reset();
    return events === 0 && this.opts.clock.now() - started < SHORT_WATCH_MS ? 'short' : 'closed';
  }
}

/** Failures after which the same watch is worth retrying without a relist. */
function retryWatch(err: unknown): boolean {
  return err instanceof ConnectionError || isTooManyRequests(err) || isServerError(err);
}
