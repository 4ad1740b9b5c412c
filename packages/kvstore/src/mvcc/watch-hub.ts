import { inInterval, rangeEndOf, toLatin1 } from './bytes';
import { header } from './header';
import type { History } from './history';
import type { Bytes, Event, WatchFilterType, WatchResponse } from './types';

/** What the hub reads from the store: its history and revision window. */
export interface WatchSource {
  readonly history: History;
  readonly currentRev: number;
  readonly compactRev: number;
}

export interface WatchHubOptions {
  /** Events per catch-up response (a revision is never split). Default 1000. */
  batchEvents?: number;
  /** History positions one syncWatchers() call may scan per watcher. Default 100000. */
  scanLimit?: number;
}

export interface WatchOptions {
  key: Bytes;
  rangeEnd?: Bytes;
  /** First revision to deliver; 0 or absent: the next one. */
  startRevision?: number;
  prevKv?: boolean;
  filters?: WatchFilterType[];
  progressNotify?: boolean;
}

/**
 * Where a watcher's responses go. Returning false means "accepted, but I am full" (like a Node
 * stream's write): the hub stops sending to that watcher until resume(), so a slow consumer holds
 * at most one batch beyond its own buffer and never slows writes down.
 */
export type WatchSink = (resp: WatchResponse) => boolean;

export class Watcher {
  /** Next revision this watcher has not been given. */
  nextRev: number;
  /** Synced: receives live events from notify(). Unsynced: caught up from history by syncWatchers(). */
  synced = false;
  /** The sink reported full; nothing is sent until resume(). */
  paused = false;
  /** An event went out since the last progress notification. */
  busy = false;
  readonly start: string;
  readonly end: string | null;
  readonly noPut: boolean;
  readonly noDelete: boolean;

  constructor(
    readonly watchId: number,
    readonly opts: WatchOptions,
    readonly sink: WatchSink,
    startRev: number,
  ) {
    this.start = toLatin1(opts.key);
    this.end = rangeEndOf(opts.rangeEnd);
    this.noPut = opts.filters?.includes('NOPUT') ?? false;
    this.noDelete = opts.filters?.includes('NODELETE') ?? false;
    this.nextRev = startRev;
  }

  wants(ev: Event): boolean {
    return ev.type === 'PUT' ? !this.noPut : !this.noDelete;
  }
}

function response(w: Watcher, revision: number, events: Event[]): WatchResponse {
  return { header: header(revision), watchId: w.watchId, created: false, canceled: false, compactRevision: 0, cancelReason: '', fragment: false, events };
}

/**
 * etcd's watchableStore: synced watchers get each committed write from notify(), indexed by key
 * (single-key watchers) or scanned (ranges); unsynced ones (started in the past, paused, or
 * restored) are caught up from history by syncWatchers(), which the server calls on a timer and
 * whenever a paused sink drains. A watcher whose next revision is compacted is cancelled with
 * compactRevision, as etcd does.
 */
export class WatchHub {
  private readonly byKey = new Map<string, Set<Watcher>>();
  private readonly ranges = new Set<Watcher>();
  private readonly unsynced = new Set<Watcher>();
  private readonly all = new Set<Watcher>();
  private readonly batchEvents: number;
  private readonly scanLimit: number;

  constructor(private readonly src: WatchSource, opts: WatchHubOptions = {}) {
    this.batchEvents = opts.batchEvents ?? 1000;
    this.scanLimit = opts.scanLimit ?? 100_000;
  }

  get size(): number {
    return this.all.size;
  }

  get unsyncedCount(): number {
    return this.unsynced.size;
  }

  /**
   * Registers a watcher. The caller sends the `created` response itself, then calls
   * syncWatchers() to replay a past start revision (or deliver a compaction cancel).
   */
  watch(watchId: number, opts: WatchOptions, sink: WatchSink): Watcher {
    const start = opts.startRevision ?? 0;
    const w = new Watcher(watchId, opts, sink, start > 0 ? start : this.src.currentRev + 1);
    this.all.add(w);
    if (w.nextRev > this.src.currentRev) this.addSynced(w);
    else this.unsynced.add(w);
    return w;
  }

  cancel(w: Watcher): void {
    this.removeSynced(w);
    this.unsynced.delete(w);
    this.all.delete(w);
  }

  isSynced(w: Watcher): boolean {
    return w.synced && !w.paused;
  }

  /** The sink drained: let syncWatchers() deliver again. */
  resume(w: Watcher): void {
    w.paused = false;
  }

  /** Delivers the write committed at currentRev, which occupies history positions [from, end). */
  notify(from: number): void {
    const h = this.src.history;
    const rev = this.src.currentRev;
    const batches = new Map<Watcher, Event[]>();
    for (let p = from; p < h.length; p++) {
      const key = h.recAt(p).key;
      const add = (w: Watcher): void => {
        if (w.nextRev > rev) return;
        const ev = h.event(p, !!w.opts.prevKv);
        if (!w.wants(ev)) return;
        const list = batches.get(w);
        if (list) list.push(ev);
        else batches.set(w, [ev]);
      };
      this.byKey.get(key)?.forEach(add);
      for (const w of this.ranges) if (inInterval(key, w.start, w.end)) add(w);
    }
    for (const [w, events] of batches) {
      w.nextRev = rev + 1;
      w.busy = true;
      if (!w.sink(response(w, rev, events))) this.pause(w);
    }
  }

  /** Catches unsynced watchers up from history, one batch each; returns how many remain unsynced. */
  syncWatchers(): number {
    for (const w of [...this.unsynced]) {
      if (w.paused) continue;
      if (w.nextRev < this.src.compactRev) {
        const resp = response(w, this.src.currentRev, []);
        resp.canceled = true;
        resp.compactRevision = this.src.compactRev;
        this.cancel(w);
        w.sink(resp);
        continue;
      }
      this.catchUp(w);
    }
    return this.unsynced.size;
  }

  /** Answers a progress request: a header-only response if the watcher is synced. */
  requestProgress(w: Watcher): boolean {
    if (!this.isSynced(w)) return false;
    if (!w.sink(response(w, this.src.currentRev, []))) this.pause(w);
    return true;
  }

  /** The periodic progress notification: synced, idle watchers that asked for it get the revision. */
  progressNotify(): void {
    for (const w of this.all) {
      if (w.opts.progressNotify && this.isSynced(w) && !w.busy) this.requestProgress(w);
      w.busy = false;
    }
  }

  /** After compaction, watchers behind it are cancelled by the next syncWatchers(). */
  onCompact(): void {}

  /** After a snapshot restore every watcher catches up from the restored history. */
  onRestore(): void {
    for (const w of this.all) this.pause(w, false);
  }

  private catchUp(w: Watcher): void {
    const h = this.src.history;
    const events: Event[] = [];
    let p = h.lowerBound(w.nextRev);
    let scanned = 0;
    let lastRev = -1;
    while (p < h.length) {
      const rev = h.revAt(p);
      // Never split a revision across responses: cut only between revisions.
      if (rev !== lastRev && (events.length >= this.batchEvents || scanned >= this.scanLimit)) break;
      lastRev = rev;
      if (inInterval(h.recAt(p).key, w.start, w.end)) {
        const ev = h.event(p, !!w.opts.prevKv);
        if (w.wants(ev)) events.push(ev);
      }
      p++;
      scanned++;
    }
    const caughtUp = p >= h.length;
    w.nextRev = caughtUp ? this.src.currentRev + 1 : h.revAt(p);
    if (caughtUp) {
      this.unsynced.delete(w);
      this.addSynced(w);
    }
    if (events.length > 0) {
      w.busy = true;
      if (!w.sink(response(w, this.src.currentRev, events))) this.pause(w);
    }
  }

  private pause(w: Watcher, paused = true): void {
    this.removeSynced(w);
    w.paused = w.paused || paused;
    this.unsynced.add(w);
  }

  private addSynced(w: Watcher): void {
    w.synced = true;
    if (w.end === '') {
      let set = this.byKey.get(w.start);
      if (!set) this.byKey.set(w.start, (set = new Set()));
      set.add(w);
    } else {
      this.ranges.add(w);
    }
  }

  private removeSynced(w: Watcher): void {
    if (!w.synced) return;
    w.synced = false;
    const set = this.byKey.get(w.start);
    if (set) {
      set.delete(w);
      if (set.size === 0) this.byKey.delete(w.start);
    }
    this.ranges.delete(w);
  }
}
