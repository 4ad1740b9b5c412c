/**
 * Adapts the MVCC store (src/mvcc MvccStore and its WatchHub) to what EtcdServer and the gRPC
 * Watch service expect. The hub catches unsynced watchers (past start revisions, compaction
 * cancels) up in syncWatchers(), which runs here on a short timer and right after a watch starts,
 * always in a later turn than the watch() call, so the gRPC layer's `created` goes out first.
 */
import type { Clock, Timer } from '@kubemu/base';
import { MvccStore } from '../mvcc';
import type { MvccStoreOptions, WatchCreateRequest } from '../mvcc';
import type { WatchHandle, WatchSink } from '../grpc/backend';
import type { WatchableStateMachine } from './state-machine';

/** etcd's watchable store syncs unsynced watchers every 100 ms. */
const SYNC_INTERVAL_MS = 100;

export class MvccStateMachine implements WatchableStateMachine {
  readonly store: MvccStore;
  private syncTimer: Timer | undefined;
  private syncScheduled = false;

  constructor(
    private readonly clock: Clock,
    opts: MvccStoreOptions = {},
  ) {
    this.store = new MvccStore(opts);
  }

  get currentRev(): number {
    return this.store.currentRev;
  }

  apply: MvccStore['apply'] = (req, ctx) => this.afterWrite(this.store.apply(req, ctx));
  range: MvccStore['range'] = (req) => this.store.range(req);
  leaseKeepAlive: MvccStore['leaseKeepAlive'] = (id, now) => this.store.leaseKeepAlive(id, now);
  leaseTimeToLive: MvccStore['leaseTimeToLive'] = (id, now, keys) => this.store.leaseTimeToLive(id, now, keys);
  leaseLeases: MvccStore['leaseLeases'] = () => this.store.leaseLeases();
  expiredLeases: MvccStore['expiredLeases'] = (now) => this.store.expiredLeases(now);
  promote: MvccStore['promote'] = (now, extendMs) => this.store.promote(now, extendMs);
  demote: MvccStore['demote'] = () => this.store.demote();
  snapshot: MvccStore['snapshot'] = () => this.store.snapshot();
  restore: MvccStore['restore'] = (data) => {
    this.store.restore(data);
    this.scheduleSync();
  };

  watch(req: WatchCreateRequest, sink: WatchSink): WatchHandle {
    const hub = this.store.watchHub;
    let done = false;
    const w = hub.watch(0, { ...req, key: req.key ?? new Uint8Array(0) }, (resp) => {
      if (done) return true;
      if (resp.canceled) {
        done = true;
        sink.canceled(resp.compactRevision, resp.cancelReason);
      } else if (resp.events.length > 0) {
        sink.events(resp.events, resp.header.revision);
      }
      // grpc-js buffers writes; the stream, not the hub, is where a slow reader shows.
      return true;
    });
    this.ensureTimer();
    this.scheduleSync();
    return {
      cancel: () => {
        done = true;
        hub.cancel(w);
      },
      syncedRevision: () => (hub.isSynced(w) ? this.store.currentRev : undefined),
    };
  }

  /** A rough figure for Status.dbSize: the retained history entries times a typical record. */
  sizeBytes(): number {
    return this.store.history.length * 128;
  }

  close(): void {
    this.syncTimer?.cancel();
    this.syncTimer = undefined;
  }

  /** A compaction may cancel watchers; let them hear it promptly. */
  private afterWrite<R>(r: R): R {
    if (this.store.watchHub.unsyncedCount > 0) this.scheduleSync();
    return r;
  }

  private ensureTimer(): void {
    this.syncTimer ??= this.clock.setInterval(() => {
      if (this.store.watchHub.unsyncedCount > 0) this.store.watchHub.syncWatchers();
    }, SYNC_INTERVAL_MS);
  }

  private scheduleSync(): void {
    if (this.syncScheduled) return;
    this.syncScheduled = true;
    setImmediate(() => {
      this.syncScheduled = false;
      this.store.watchHub.syncWatchers();
    });
  }
}
