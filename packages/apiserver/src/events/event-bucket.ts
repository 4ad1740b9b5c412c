// Events in JetStream. Why a KV bucket (`kubemu-events-<cluster>`, stream `KV_kubemu-events-<cluster>`)
// rather than a plain stream: a KV bucket is a stream with one message kept per subject (history 1)
// and a max age, which is exactly an Event store with kube-apiserver's --event-ttl, and operators can
// read it with `nats kv get`. Writes are plain JetStream publishes on the KV subjects so that they can
// carry our headers and a compare-and-swap:
//
// - the value is the Event's JSON without metadata.resourceVersion; resourceVersion = the message's
//   stream sequence, which is the KV revision, global and increasing across the bucket;
// - `Nats-Expected-Last-Subject-Sequence` makes every write a CAS on the revision the writer read
//   (0: the key has never been written or has expired), so replicas never overwrite each other;
// - `Kubemu-Type` says ADDED, MODIFIED or DELETED, as the watch will report it; a deletion is a KV
//   delete marker (`KV-Operation: DEL`) whose body is the Event's last state (watchers need it);
// - `Kubemu-Prev` (MODIFIED only) holds the previous state's selectable fields, so that a watch with
//   a selector sees an Event that stops matching as DELETED, as kube-apiserver's watch cache does.
//
// Every update publishes a new message and the old one goes (history 1), so the max age counts from
// the last write: an Event lives --event-ttl after its last update, as with kube-apiserver's leases.
// Every operation answers a 503 Status while NATS is unreachable or JetStream does not answer.
import { AckPolicy, DeliverPolicy, DiscardPolicy, StorageType, headers, nanos } from 'nats';
import type { ConsumerMessages, JsMsg, MsgHdrs, NatsError, StreamConfig } from 'nats';
import type { KubeObject } from '@kubemu/api';
import type { Logger } from '@kubemu/base';
import { isStatus, unavailable } from '../http/status';
import type { ApiStatus } from '../http/status';
import type { Connected, NatsLink } from './nats-link';
import { bucketName, bucketSubjects, eventSubject, namespaceFilter, streamName } from './subjects';

export type ChangeType = 'ADDED' | 'MODIFIED' | 'DELETED';

/** One message of the bucket, decoded. */
export interface StoredEvent {
  /** The Event with metadata.resourceVersion set to `seq`. */
  object: KubeObject;
  seq: number;
  type: ChangeType;
  /** A delete marker: the Event is gone; `object` is its last state. */
  deleted: boolean;
  /** For MODIFIED: the previous state's selectable fields (see selectableSkeleton). */
  prev?: KubeObject;
}

export interface WriteRequest {
  /** The revision the writer read; 0 when the key holds nothing. */
  expect: number;
  type: ChangeType;
  prev?: KubeObject;
}

export interface EventBucketOptions {
  cluster: string;
  ttlMs: number;
  log: Logger;
}

/** What one watch is given, in stream order. */
export type EventCallback = (e: StoredEvent) => void;

const TYPE_HEADER = 'Kubemu-Type';
const PREV_HEADER = 'Kubemu-Prev';
const KV_OPERATION = 'KV-Operation';
const WRONG_LAST_SEQUENCE = 10071;
const NO_MESSAGE_FOUND = 10037;
const STREAM_NOT_FOUND = 10059;
const LIST_BATCH = 256;
/** How long one fetch of a list waits for messages the snapshot counted. */
const API_FETCH_WAIT_MS = 2000;

export class EventBucket {
  private ensured: Promise<ApiStatus | undefined> | undefined;
  readonly stream: string;

  constructor(
    private readonly link: NatsLink,
    private readonly opts: EventBucketOptions,
  ) {
    this.stream = streamName(opts.cluster);
    // A NATS server that restarted without its store has lost the stream: create it again.
    link.onUp(() => {
      this.ensured = undefined;
      void this.ready();
    });
  }

  /** The last message of the Event's key (a delete marker included), or undefined. */
  async get(namespace: string, name: string): Promise<StoredEvent | undefined | ApiStatus> {
    return this.withStream(async (c) => {
      try {
        const m = await c.jsm.streams.getMessage(this.stream, { last_by_subj: eventSubject(this.opts.cluster, namespace, name) });
        // A key whose last message is not an Event (a purge marker) holds nothing.
        return decode(m.seq, m.header, m.data) ?? { object: {}, seq: m.seq, type: 'DELETED', deleted: true };
      } catch (err) {
        if (jsErrorCode(err) === NO_MESSAGE_FOUND) return undefined;
        throw err;
      }
    });
  }

  /** Publishes `object` as the key's new state if the key is still at `w.expect`; 'stale' if it is not. */
  async write(namespace: string, name: string, object: KubeObject, w: WriteRequest): Promise<{ seq: number } | 'stale' | ApiStatus> {
    const h = headers();
    h.set(TYPE_HEADER, w.type);
    if (w.type === 'DELETED') h.set(KV_OPERATION, 'DEL');
    if (w.prev !== undefined) h.set(PREV_HEADER, JSON.stringify(w.prev));
    const { resourceVersion: _rv, ...meta } = object.metadata ?? {};
    const body = JSON.stringify({ ...object, metadata: meta });
    return this.withStream(async (c) => {
      try {
        const ack = await this.inNextBatch(() => c.js.publish(eventSubject(this.opts.cluster, namespace, name), body, { headers: h, expect: { lastSubjectSequence: w.expect } }));
        return { seq: ack.seq };
      } catch (err) {
        if (jsErrorCode(err) === WRONG_LAST_SEQUENCE) return 'stale' as const;
        throw err;
      }
    });
  }

  /** Runs `publish` at the end of this turn of the event loop, with the other NATS writes of it. */
  private inNextBatch<T>(publish: () => Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => this.link.atEndOfTurn(() => void publish().then(resolve, reject)));
  }

  /**
   * The live Events of a namespace ('' for all) and the revision they are the state at.
   *
   * The consumer (deliver last per subject) snapshots the bucket when it is created; `revision` is
   * the larger of the stream's last sequence read just before and the highest sequence delivered.
   * Every write at or below it happened before the snapshot, and any later write to these keys
   * would have been delivered with a higher sequence, so the items are exactly the state at
   * `revision` and a watch from `revision` misses nothing.
   */
  async snapshot(namespace: string): Promise<{ items: StoredEvent[]; revision: number } | ApiStatus> {
    return this.withStream(async (c) => {
      const info = await c.jsm.streams.info(this.stream);
      let revision = info.state.last_seq;
      const ci = await c.jsm.consumers.add(this.stream, {
        deliver_policy: DeliverPolicy.LastPerSubject,
        filter_subject: namespaceFilter(this.opts.cluster, namespace),
        ack_policy: AckPolicy.None,
        mem_storage: true,
        inactive_threshold: nanos(30_000),
      });
      const items: StoredEvent[] = [];
      try {
        const consumer = c.js.consumers.getPullConsumerFor(ci);
        let pending = ci.num_pending;
        while (pending > 0) {
          const batch = await consumer.fetch({ max_messages: Math.min(pending, LIST_BATCH), expires: API_FETCH_WAIT_MS });
          let got = 0;
          for await (const m of batch) {
            got++;
            pending = m.info.pending;
            revision = Math.max(revision, m.seq);
            const e = decode(m.seq, m.headers, m.data);
            if (e !== undefined && !e.deleted) items.push(e);
            if (pending === 0) break;
          }
          // Messages that expired between the consumer's creation and the fetch never come.
          if (got === 0) break;
        }
      } finally {
        await c.jsm.consumers.delete(this.stream, ci.name).catch(() => undefined);
      }
      return { items, revision };
    });
  }

  /** The oldest and newest sequences the stream holds (first > last when it is empty). */
  async bounds(): Promise<{ first: number; last: number } | ApiStatus> {
    return this.withStream(async (c) => {
      const info = await c.jsm.streams.info(this.stream);
      return { first: info.state.first_seq, last: info.state.last_seq };
    });
  }

  /**
   * Delivers every message of the namespace from sequence `from` on, in order, until the returned
   * function is called. An ordered consumer: no acknowledgements, recreated by the client on gaps.
   */
  async follow(namespace: string, from: number, onEvent: EventCallback): Promise<(() => void) | ApiStatus> {
    return this.withStream(async (c) => {
      const consumer = await c.js.consumers.get(this.stream, {
        filterSubjects: namespaceFilter(this.opts.cluster, namespace),
        deliver_policy: DeliverPolicy.StartSequence,
        opt_start_seq: Math.max(1, from),
      });
      const messages: ConsumerMessages = await consumer.consume({
        callback: (m: JsMsg) => {
          const e = decode(m.seq, m.headers, m.data);
          if (e !== undefined) onEvent(e);
        },
      });
      return () => void messages.close().catch(() => undefined);
    });
  }

  /** Creates the stream, or brings its max age to the configured TTL (the last replica to start wins). */
  private ready(): Promise<ApiStatus | undefined> {
    this.ensured ??= this.ensure().then((r) => {
      if (r !== undefined) this.ensured = undefined;
      return r;
    });
    return this.ensured;
  }

  private async ensure(): Promise<ApiStatus | undefined> {
    const c = this.link.connection();
    if (isStatus(c)) return c;
    const config: Partial<StreamConfig> = {
      name: this.stream,
      subjects: [bucketSubjects(this.opts.cluster)],
      description: `Kubernetes Events of cluster ${this.opts.cluster} (kubemu)`,
      max_msgs_per_subject: 1,
      max_age: nanos(this.opts.ttlMs),
      discard: DiscardPolicy.New,
      allow_rollup_hdrs: true,
      deny_delete: true,
      allow_direct: true,
      storage: StorageType.File,
      num_replicas: 1,
    };
    try {
      try {
        const info = await c.jsm.streams.info(this.stream);
        if (info.config.max_age !== config.max_age) {
          await c.jsm.streams.update(this.stream, { ...info.config, max_age: config.max_age!, duplicate_window: Math.min(info.config.duplicate_window, config.max_age!) });
          this.opts.log.info('event bucket max age changed', { bucket: bucketName(this.opts.cluster), ttlMs: this.opts.ttlMs });
        }
      } catch (err) {
        if (jsErrorCode(err) !== STREAM_NOT_FOUND) throw err;
        await c.jsm.streams.add(config);
        this.opts.log.info('event bucket created', { bucket: bucketName(this.opts.cluster), ttlMs: this.opts.ttlMs });
      }
      return undefined;
    } catch (err) {
      this.opts.log.warn('cannot set up the event bucket', { err: String(err) });
      return unavailable(`the event store is unavailable: ${(err as Error).message}`);
    }
  }

  /**
   * Runs `op` with a connection and the stream in place. NATS errors become 503 (a stream that has
   * disappeared is created again on the next call); expected outcomes are returned by `op` itself.
   */
  private async withStream<T>(op: (c: Connected) => Promise<T>): Promise<T | ApiStatus> {
    const setup = await this.ready();
    if (setup !== undefined) return setup;
    const c = this.link.connection();
    if (isStatus(c)) return c;
    try {
      return await op(c);
    } catch (err) {
      if (jsErrorCode(err) === STREAM_NOT_FOUND) this.ensured = undefined;
      this.opts.log.warn('event store operation failed', { err: String(err) });
      return unavailable(`the event store is unavailable: ${(err as Error).message}`);
    }
  }
}

function jsErrorCode(err: unknown): number | undefined {
  return (err as Partial<NatsError> | undefined)?.api_error?.err_code;
}

const text = new TextDecoder();

/**
 * A message as an Event; undefined for what is not one of ours (a purge marker, or a value someone
 * put with `nats kv put`), which readers skip.
 */
function decode(seq: number, h: MsgHdrs | undefined, data: Uint8Array): StoredEvent | undefined {
  let object: KubeObject;
  let prev: KubeObject | undefined;
  try {
    object = JSON.parse(text.decode(data)) as KubeObject;
    const prevText = h?.get(PREV_HEADER) ?? '';
    if (prevText !== '') prev = JSON.parse(prevText) as KubeObject;
  } catch {
    return undefined;
  }
  if (typeof object !== 'object' || object === null) return undefined;
  object.metadata = { ...object.metadata, resourceVersion: String(seq) };
  const deleted = h?.get(KV_OPERATION) === 'DEL' || h?.get(KV_OPERATION) === 'PURGE';
  const declared = h?.get(TYPE_HEADER);
  const type: ChangeType = deleted ? 'DELETED' : declared === 'ADDED' || declared === 'MODIFIED' ? declared : 'MODIFIED';
  const e: StoredEvent = { object, seq, type, deleted };
  if (prev !== undefined) e.prev = prev;
  return e;
}

