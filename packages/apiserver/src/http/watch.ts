// WATCH: a stream of {type, object} events after a resourceVersion, served from the watch cache
// (or, for a resourceVersion older than the cache's window, from the store's history until it is
// compacted: then a 410 Expired ERROR event, as kube-apiserver sends). Selectors filter
// transitions: an object that stops matching is DELETED for this watcher, one that starts matching
// is ADDED.
import type { KubeObject, ResourceInfo } from '@kubemu/api';
import type { Clock, Timer } from '@kubemu/base';
import type { EtcdWatch } from '@kubemu/kvstore';
import type { Predicate } from '../registry/predicate';
import { collectionPrefix } from '../registry/list';
import { bytes, decodeKv, prefixEnd } from '../storage/object-store';
import type { ObjectStore } from '../storage/object-store';
import type { Change, WatchCache } from '../storage/watch-cache';
import { failure } from './status';

export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';

export interface WatchSink {
  send(type: WatchEventType, object: unknown): void;
  /** Sends an already encoded event line (`{"type":...,"object":...}` without the newline). */
  sendEncoded?(line: string): void;
  close(): void;
  /** Called once when the client goes away. */
  onClose(cb: () => void): void;
}

export interface WatchRequest {
  info: ResourceInfo;
  pred: Predicate;
  resourceVersion: string | undefined;
  timeoutSeconds: number;
  allowBookmarks: boolean;
  /** How often a bookmark is sent when bookmarks are allowed (kube-apiserver: about a minute). */
  bookmarkIntervalMs?: number;
  /** Renders objects for the client (a Table row); absent: the object itself. */
  render?(obj: KubeObject, type: WatchEventType): unknown;
}

export function expiredEvent(rv: string, oldest: number): unknown {
  return failure(410, 'Expired', `too old resource version: ${rv} (${oldest})`);
}

export async function serveWatch(store: ObjectStore, cache: WatchCache, clock: Clock, req: WatchRequest, sink: WatchSink): Promise<void> {
  await cache.start();
  const prefix = collectionPrefix(req.info, req.pred.namespace);
  let lastRv = 0;
  let closed = false;
  const timers: Timer[] = [];
  let stopSource: () => void = () => undefined;
  const finish = (): void => {
    if (closed) return;
    closed = true;
    stopSource();
    for (const t of timers) t.cancel();
    sink.close();
  };
  sink.onClose(() => {
    closed = true;
    stopSource();
    for (const t of timers) t.cancel();
  });
  const emit = (type: WatchEventType, obj: KubeObject, rv: number): void => {
    if (closed) return;
    lastRv = Math.max(lastRv, rv);
    if (req.render === undefined && sink.sendEncoded !== undefined) sink.sendEncoded(encoded(type, obj));
    else sink.send(type, req.render === undefined ? obj : req.render(obj, type));
  };
  const onChange = (c: Change): void => {
    if (!c.key.startsWith(prefix)) return;
    const now = c.type !== 'DELETED' && req.pred.matches(c.object);
    const before = c.prev !== undefined && req.pred.matches(c.prev);
    if (c.type === 'DELETED') {
      if (before) emit('DELETED', c.object, c.revision);
    } else if (now) {
      emit(before ? 'MODIFIED' : 'ADDED', c.object, c.revision);
    } else if (before) {
      emit('DELETED', c.object, c.revision);
    }
    lastRv = Math.max(lastRv, c.revision);
  };

  const rv = req.resourceVersion;
  let from: number;
  if (rv === undefined || rv === '' || rv === '0') {
    // Start with the current state as ADDED events, then follow.
    const { items, revision } = cache.list();
    for (const s of items.sort((a, b) => (a.key < b.key ? -1 : 1))) {
      if (s.key.startsWith(prefix) && req.pred.matches(s.object)) emit('ADDED', s.object, s.revision);
    }
    from = revision;
    lastRv = revision;
  } else {
    from = Number(rv);
    if (!Number.isInteger(from) || from < 0) {
      sink.send('ERROR', failure(400, 'BadRequest', `invalid resource version: ${rv}`));
      finish();
      return;
    }
    lastRv = from;
  }
  const cached = cache.watch(from, { onChange, onTerminated: () => finish() });
  if (cached !== undefined) {
    stopSource = () => cached.stop();
  } else {
    stopSource = directWatch(store, prefix, from, onChange, () => {
      sink.send('ERROR', expiredEvent(String(from), cache.oldestServable));
      finish();
    });
  }
  if (closed) {
    stopSource();
    return;
  }
  timers.push(clock.setTimeout(finish, req.timeoutSeconds * 1000));
  if (req.allowBookmarks) {
    const interval = req.bookmarkIntervalMs ?? 60_000;
    const bookmark = (): void => {
      if (closed) return;
      const obj = { kind: req.info.kind, apiVersion: req.info.group === '' ? req.info.version : `${req.info.group}/${req.info.version}`, metadata: { resourceVersion: String(Math.max(lastRv, cache.revision)) } };
      sink.send('BOOKMARK', obj);
      timers.push(clock.setTimeout(bookmark, interval));
    };
    timers.push(clock.setTimeout(bookmark, interval));
  }
}

/**
 * Every watcher of a change receives the same object, so its encoding is made once and shared
 * (kube-apiserver's cacher caches serialisations for the same reason: with a thousand watchers,
 * JSON encoding would otherwise dominate).
 */
const encodings = new WeakMap<KubeObject, Map<WatchEventType, string>>();

function encoded(type: WatchEventType, obj: KubeObject): string {
  let byType = encodings.get(obj);
  if (byType === undefined) encodings.set(obj, (byType = new Map()));
  let line = byType.get(type);
  if (line === undefined) byType.set(type, (line = JSON.stringify({ type, object: obj })));
  return line;
}

/** A watch straight on the store, for resourceVersions the cache no longer holds. */
function directWatch(store: ObjectStore, prefix: string, from: number, onChange: (c: Change) => void, onCompacted: () => void): () => void {
  const text = new TextDecoder();
  const w: EtcdWatch = store.client.watch(
    { key: bytes(prefix), rangeEnd: prefixEnd(prefix), startRevision: from + 1, prevKv: true },
    {
      onEvents: (events) => {
        for (const e of events) {
          const key = text.decode(e.kv.key);
          const prev = e.prevKv !== undefined && e.prevKv !== null && e.prevKv.key.length > 0 ? decodeKv(e.prevKv).object : undefined;
          if (e.type === 'DELETE') {
            if (prev === undefined) continue;
            onChange({ type: 'DELETED', key, object: { ...prev, metadata: { ...prev.metadata, resourceVersion: String(e.kv.modRevision) } }, prev, revision: e.kv.modRevision });
          } else {
            const s = decodeKv(e.kv);
            onChange(prev === undefined ? { type: 'ADDED', key, object: s.object, revision: s.revision } : { type: 'MODIFIED', key, object: s.object, prev, revision: s.revision });
          }
        }
      },
      onCanceled: () => onCompacted(),
    },
  );
  return () => w.cancel();
}
