/**
 * The Watch service: one bidirectional stream multiplexes any number of watchers, as in etcd.
 *
 * Per-stream invariants:
 *  - A watcher's `created` response goes out before any of its events; events a backend pushes
 *    while the watcher is being created (history replay) wait in its queue until then.
 *  - Events leave in revision order, whole revisions per response unless the client asked for
 *    fragments (then a large batch is split, every piece but the last marked fragment=true).
 *  - After `canceled` nothing more is sent for that watch id; closing the stream cancels all.
 *  - Ids are the client's when it picks one (non-zero watch_id), else the next free from 0.
 */
import type * as grpc from '@grpc/grpc-js';
import type { Clock, Timer } from '@kubemu/base';
import type { EtcdBackend, WatchHandle } from './backend';
import { toStatus } from './errors';
import type { Event, ResponseHeader, WatchCreateRequest, WatchRequest, WatchResponse } from './etcd-types';

/** etcd's clientv3.InvalidWatchID: a progress response for the whole stream, or a failed create. */
const STREAM_WATCH_ID = -1;

export interface WatchServiceOptions {
  clock: Clock;
  /** How often a progress_notify watcher without news hears the current revision (etcd: 10 min). */
  progressNotifyIntervalMs: number;
  /** Fragmenting threshold (etcd: max-request-bytes). */
  maxResponseBytes: number;
}

interface Watcher {
  id: number;
  handle: WatchHandle | undefined;
  created: boolean;
  queue: Array<() => void>;
  progressNotify: boolean;
  fragment: boolean;
  noPut: boolean;
  noDelete: boolean;
  /** Something was sent since the last progress tick. */
  active: boolean;
}

export function watchService(backend: EtcdBackend, opts: WatchServiceOptions): grpc.UntypedServiceImplementation {
  const Watch: grpc.handleBidiStreamingCall<WatchRequest, WatchResponse> = (call) => {
    new WatchStream(backend, opts, call).run();
  };
  return { Watch };
}

class WatchStream {
  private readonly watchers = new Map<number, Watcher>();
  private nextId = 0;
  private closed = false;
  private ticker: Timer | undefined;

  constructor(
    private readonly backend: EtcdBackend,
    private readonly opts: WatchServiceOptions,
    private readonly call: grpc.ServerDuplexStream<WatchRequest, WatchResponse>,
  ) {}

  run(): void {
    this.call.on('data', (req: WatchRequest) => this.onRequest(req));
    this.call.on('end', () => this.close(true));
    this.call.on('error', () => this.close(false));
    this.call.on('cancelled', () => this.close(false));
    this.ticker = this.opts.clock.setInterval(() => this.progressTick(), this.opts.progressNotifyIntervalMs);
  }

  private onRequest(req: WatchRequest): void {
    if (this.closed) return;
    if (req.createRequest) this.create(req.createRequest);
    else if (req.cancelRequest) this.cancel(req.cancelRequest.watchId ?? 0);
    else if (req.progressRequest) this.progressAll();
  }

  private create(req: WatchCreateRequest): void {
    let id = req.watchId ?? 0;
    if (id !== 0 && this.watchers.has(id)) {
      this.send({ watchId: STREAM_WATCH_ID, created: true, canceled: true, cancelReason: 'mvcc: duplicate watch ID provided on the WatchStream' });
      return;
    }
    if (id === 0) {
      while (this.watchers.has(this.nextId)) this.nextId++;
      id = this.nextId++;
    }
    const filters = req.filters ?? [];
    const w: Watcher = {
      id, handle: undefined, created: false, queue: [], active: false,
      progressNotify: req.progressNotify === true, fragment: req.fragment === true,
      noPut: filters.includes('NOPUT'), noDelete: filters.includes('NODELETE'),
    };
    this.watchers.set(id, w);
    try {
      w.handle = this.backend.watch(req, {
        events: (events, revision) => this.deliver(w, () => this.sendEvents(w, events, revision)),
        canceled: (compactRevision, reason) => this.deliver(w, () => this.sendCanceled(w, compactRevision, reason)),
      });
    } catch (err) {
      this.watchers.delete(id);
      this.send({ watchId: id, created: true, canceled: true, cancelReason: toStatus(err).details });
      return;
    }
    this.send({ watchId: id, created: true });
    w.created = true;
    for (const f of w.queue.splice(0)) f();
  }

  private deliver(w: Watcher, send: () => void): void {
    if (this.closed || this.watchers.get(w.id) !== w) return;
    if (w.created) send();
    else w.queue.push(send);
  }

  private sendEvents(w: Watcher, all: Event[], revision: number): void {
    const events = all.filter((ev) => !(ev.type === 'PUT' ? w.noPut : w.noDelete));
    if (events.length === 0) return;
    w.active = true;
    const header = { ...this.backend.header(), revision };
    if (!w.fragment) {
      this.send({ header, watchId: w.id, events });
      return;
    }
    const pieces = splitBySize(events, this.opts.maxResponseBytes);
    pieces.forEach((piece, i) => this.send({ header, watchId: w.id, events: piece, fragment: i < pieces.length - 1 }));
  }

  private sendCanceled(w: Watcher, compactRevision: number, reason: string): void {
    this.watchers.delete(w.id);
    this.send({ watchId: w.id, canceled: true, compactRevision, cancelReason: reason });
  }

  private cancel(id: number): void {
    const w = this.watchers.get(id);
    if (w === undefined) return; // etcd stays silent for an unknown id
    this.watchers.delete(id);
    w.handle?.cancel();
    this.send({ watchId: id, canceled: true });
  }

  /** A progress request: answered only when every watcher is caught up, never claiming more than was sent. */
  private progressAll(): void {
    let rev = this.backend.header().revision;
    for (const w of this.watchers.values()) {
      const synced = w.handle?.syncedRevision();
      if (synced === undefined) return;
      rev = Math.min(rev, synced);
    }
    this.send({ header: { ...this.backend.header(), revision: rev }, watchId: STREAM_WATCH_ID });
  }

  private progressTick(): void {
    for (const w of this.watchers.values()) {
      const synced = w.handle?.syncedRevision();
      if (w.progressNotify && !w.active && synced !== undefined && w.created) {
        this.send({ header: { ...this.backend.header(), revision: synced }, watchId: w.id });
      }
      w.active = false;
    }
  }

  private send(partial: Partial<WatchResponse> & { watchId: number }): void {
    if (this.closed) return;
    const header: ResponseHeader = partial.header ?? this.backend.header();
    this.call.write({
      created: false, canceled: false, compactRevision: 0, cancelReason: '', fragment: false, events: [],
      ...partial, header,
    });
  }

  private close(graceful: boolean): void {
    if (this.closed) return;
    this.closed = true;
    this.ticker?.cancel();
    for (const w of this.watchers.values()) w.handle?.cancel();
    this.watchers.clear();
    if (graceful) this.call.end();
  }
}

function eventBytes(ev: Event): number {
  const kv = (x: Event['kv'] | null | undefined): number => (x ? x.key.length + x.value.length + 48 : 0);
  return kv(ev.kv) + kv(ev.prevKv) + 8;
}

/** Consecutive pieces of at most maxBytes each (an event larger than that travels alone). */
function splitBySize(events: Event[], maxBytes: number): Event[][] {
  const pieces: Event[][] = [];
  let cur: Event[] = [];
  let size = 0;
  for (const ev of events) {
    const n = eventBytes(ev);
    if (cur.length > 0 && size + n > maxBytes) {
      pieces.push(cur);
      cur = [];
      size = 0;
    }
    cur.push(ev);
    size += n;
  }
  if (cur.length > 0) pieces.push(cur);
  return pieces;
}
