// WATCH of Events: an ordered JetStream consumer on the namespace's keys from resourceVersion + 1,
// turned into Kubernetes watch events. Without a resourceVersion (or with "0") the current state
// comes first as ADDED events, then the changes after it. A resourceVersion older than the oldest
// message the stream retains gets a 410 Expired ERROR event: what happened in between (expiry,
// superseded updates) can no longer be told, and the client must list again.
//
// Selectors filter transitions as kube-apiserver's watch cache does: a MODIFIED message carries the
// previous state's selectable fields, so an Event that stops matching is DELETED for this watcher
// and one that starts matching is ADDED.
//
// The watch ends (the client re-watches) on its timeout and when the NATS connection is lost.
import type { KubeObject } from '@kubemu/api';
import type { Clock, Timer } from '@kubemu/base';
import { isStatus } from '../http/status';
import type { ApiStatus } from '../http/status';
import { expiredEvent } from '../http/watch';
import type { WatchEventType, WatchSink } from '../http/watch';
import type { Predicate } from '../registry/predicate';
import { failure } from '../http/status';
import type { EventBucket, StoredEvent } from './event-bucket';
import { matchingEvents } from './event-list';
import type { NatsLink } from './nats-link';

export interface EventWatchRequest {
  pred: Predicate;
  resourceVersion: string | undefined;
  timeoutSeconds: number;
  allowBookmarks: boolean;
  /** How often a bookmark is sent when bookmarks are allowed (kube-apiserver: about a minute). */
  bookmarkIntervalMs?: number;
  /** Renders objects for the client (identity, or a Table row). */
  render(obj: KubeObject, type: WatchEventType): unknown;
}

export interface EventWatchDeps {
  bucket: EventBucket;
  link: NatsLink;
  clock: Clock;
}

/**
 * Starts a watch. A failure before anything is streamed (NATS unreachable) is returned, for the
 * caller to answer as a plain HTTP Status; afterwards errors are ERROR events. `openSink` is
 * called at most once, when the response becomes a stream.
 */
export async function watchEvents(deps: EventWatchDeps, req: EventWatchRequest, openSink: () => WatchSink): Promise<ApiStatus | undefined> {
  const rv = req.resourceVersion;
  let from: number;
  let initial: KubeObject[] = [];
  if (rv === undefined || rv === '' || rv === '0') {
    const current = await matchingEvents(deps.bucket, req.pred);
    if (isStatus(current)) return current;
    initial = current.items;
    from = current.revision;
  } else {
    from = Number(rv);
    if (!Number.isInteger(from) || from < 0) return oneError(openSink, failure(400, 'BadRequest', `invalid resource version: ${rv}`));
    const bounds = await deps.bucket.bounds();
    if (isStatus(bounds)) return bounds;
    if (from + 1 < bounds.first) return oneError(openSink, expiredEvent(rv, bounds.first - 1));
  }

  // Messages that come before the response is a stream wait in `early`; `live` says it is one.
  let live = false;
  let closed = false;
  let lastRv = from;
  const early: StoredEvent[] = [];
  const timers: Timer[] = [];
  const emit = (type: WatchEventType, obj: KubeObject): void => {
    if (!closed) sink.send(type, req.render(obj, type));
  };
  const onEvent = (e: StoredEvent): void => {
    if (!live) {
      early.push(e);
      return;
    }
    if (e.seq <= from) return;
    lastRv = Math.max(lastRv, e.seq);
    const now = !e.deleted && req.pred.matches(e.object);
    const before = e.deleted ? req.pred.matches(e.object) : e.type === 'MODIFIED' ? (e.prev === undefined ? now : req.pred.matches(e.prev)) : false;
    if (e.deleted) {
      if (before) emit('DELETED', e.object);
    } else if (now) {
      emit(before ? 'MODIFIED' : 'ADDED', e.object);
    } else if (before) {
      emit('DELETED', e.object);
    }
  };
  const stop = await deps.bucket.follow(req.pred.namespace, from + 1, onEvent);
  if (isStatus(stop)) return stop;

  let unsubscribe: () => void = () => undefined;
  const cleanup = (): void => {
    closed = true;
    stop();
    unsubscribe();
    for (const t of timers) t.cancel();
  };
  const finish = (): void => {
    if (closed) return;
    cleanup();
    sink.close();
  };
  const sink = openSink();
  live = true;
  sink.onClose(cleanup);
  unsubscribe = deps.link.onDown(finish);
  for (const obj of initial) emit('ADDED', obj);
  for (const e of early.splice(0)) onEvent(e);
  timers.push(deps.clock.setTimeout(finish, req.timeoutSeconds * 1000));
  if (req.allowBookmarks) {
    const interval = req.bookmarkIntervalMs ?? 60_000;
    const bookmark = (): void => {
      if (closed) return;
      sink.send('BOOKMARK', { kind: 'Event', apiVersion: 'v1', metadata: { resourceVersion: String(lastRv) } });
      timers.push(deps.clock.setTimeout(bookmark, interval));
    };
    timers.push(deps.clock.setTimeout(bookmark, interval));
  }
  // The connection may have dropped while the consumer was being set up.
  if (!deps.link.isUp()) finish();
  return undefined;
}

/** A watch that is only an ERROR event (kube-apiserver reports a bad or expired start that way). */
function oneError(openSink: () => WatchSink, status: unknown): undefined {
  const sink = openSink();
  sink.send('ERROR', status);
  sink.close();
  return undefined;
}
