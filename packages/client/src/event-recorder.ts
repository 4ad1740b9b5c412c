// Records core/v1 Events about objects, as client-go's record.EventRecorder does. Recording never
// blocks or fails the caller: events go to a bounded queue that a background writer drains;
// when the apiserver is unreachable the writer retries a while, then drops the event.
// The writer keeps up to maxInFlight writes going (as the events/v1 broadcaster kube-scheduler
// uses writes each event on its own goroutine), but never two about the same object at once:
// every correlation key (aggregation, spam filter) includes the involved object, so writes
// about one object stay in order and each sees the state the previous one left.
import { format } from 'node:util';
import type { Clock, Logger, Rng } from '@kubemu/base';
import type { Event, KubeObject } from '@kubemu/api';
import { ApiError, isNotFound } from './api-error';
import type { Correlation } from './event-correlator';
import { EventCorrelator } from './event-correlator';
import type { ResourceClient } from './resource-client';
import type { RestClient } from './rest-client';
import { rfc3339 } from './time-format';
import { sleep } from './token-bucket';

export type EventType = 'Normal' | 'Warning';

/** core/v1 ObjectReference, the involvedObject of an Event. */
export type ObjectReference = Event['involvedObject'];

export const EVENTS = { group: '', version: 'v1', resource: 'events', namespaced: true } as const;

export interface EventRecorderOptions {
  client: RestClient;
  /** source.component and reportingComponent, e.g. "replicaset-controller", "default-scheduler", "kubelet". */
  component: string;
  /** source.host and reportingInstance, e.g. the node name of a kubelet. */
  host?: string;
  clock: Clock;
  rng: Rng;
  logger?: Logger;
  /** Queued events beyond this are dropped (client-go: 1000). */
  maxQueued?: number;
  /** Attempts per event before dropping it (client-go: 12). */
  maxTries?: number;
  /** Pause between attempts (client-go: 10 s; the first pause is jittered). */
  retrySleepMs?: number;
  /** Events written at the same time, each about a different object (default 1: one at a time). */
  maxInFlight?: number;
}

function isReference(x: KubeObject | ObjectReference): x is ObjectReference {
  return !('metadata' in x) || x.metadata === undefined;
}

/** The reference an Event's involvedObject holds: kind, apiVersion, namespace, name, uid, resourceVersion. */
export function objectReference(obj: KubeObject | ObjectReference, fieldPath?: string): ObjectReference {
  const ref: ObjectReference = isReference(obj)
    ? { ...obj }
    : {
        kind: obj.kind ?? '',
        namespace: obj.metadata?.namespace ?? '',
        name: obj.metadata?.name ?? '',
        uid: obj.metadata?.uid ?? '',
        apiVersion: obj.apiVersion ?? '',
        resourceVersion: obj.metadata?.resourceVersion ?? '',
      };
  if (fieldPath !== undefined) ref.fieldPath = fieldPath;
  for (const k of Object.keys(ref) as (keyof ObjectReference)[]) if (ref[k] === '') delete ref[k];
  return ref;
}

export class EventRecorder {
  private readonly events: ResourceClient<Event>;
  private readonly correlator: EventCorrelator;
  private readonly queue: Event[] = [];
  private draining = false;
  /** Set while the writer waits with nothing queued: wakes it for a newly recorded event. */
  private wake: (() => void) | undefined;
  private writing: Promise<void> = Promise.resolve();
  private stopped = false;
  private readonly abort = new AbortController();
  /** Makes event names unique within one millisecond (names carry a nanosecond clock in client-go). */
  private seq = 0;

  constructor(private readonly opts: EventRecorderOptions) {
    this.events = opts.client.resource<Event>(EVENTS);
    this.correlator = new EventCorrelator(opts.clock, (name) => this.eventName(name), () => rfc3339(opts.clock.wallNow()));
  }

  /** Records an event; `messageFmt` is formatted with `args` as util.format does (%s, %d, %v is %s). */
  eventf(obj: KubeObject | ObjectReference, type: EventType, reason: string, messageFmt: string, ...args: unknown[]): void {
    const message = args.length === 0 ? messageFmt : format(messageFmt.replace(/%v/g, '%s'), ...args);
    this.record(objectReference(obj), type, reason, message);
  }

  /** Like eventf, for one field of the object (e.g. `spec.containers{web}`). */
  eventForField(obj: KubeObject | ObjectReference, fieldPath: string, type: EventType, reason: string, message: string): void {
    this.record(objectReference(obj, fieldPath), type, reason, message);
  }

  /** Resolves when every event queued so far has been written or given up on. */
  async flush(): Promise<void> {
    while (this.draining) await this.writing;
  }

  /** Stops the writer; queued events are dropped. */
  shutdown(): void {
    this.stopped = true;
    this.abort.abort();
    this.queue.length = 0;
  }

  private record(ref: ObjectReference, type: EventType, reason: string, message: string): void {
    if (this.stopped) return;
    if (this.queue.length >= (this.opts.maxQueued ?? 1000)) {
      this.opts.logger?.warn('event queue full, dropping event', { reason, object: ref.name });
      return;
    }
    const now = rfc3339(this.opts.clock.wallNow());
    const host = this.opts.host ?? '';
    const event: Event = {
      apiVersion: 'v1',
      kind: 'Event',
      metadata: { name: this.eventName(ref.name ?? ''), namespace: ref.namespace || 'default' },
      involvedObject: ref,
      reason,
      message,
      source: host === '' ? { component: this.opts.component } : { component: this.opts.component, host },
      firstTimestamp: now,
      lastTimestamp: now,
      count: 1,
      type,
      reportingComponent: this.opts.component,
      reportingInstance: host,
    };
    this.queue.push(event);
    this.wake?.();
    if (!this.draining) {
      this.draining = true;
      this.writing = this.drain();
    }
  }

  /** `<object name>.<16 hex digits of wall-clock nanoseconds>`, as client-go names events. */
  private eventName(objectName: string): string {
    const nanos = BigInt(Math.floor(this.opts.clock.wallNow())) * 1_000_000n + BigInt(this.seq++ % 1_000_000);
    return `${objectName}.${nanos.toString(16).padStart(16, '0')}`;
  }

  /**
   * The writer. Invariant: `draining` is true exactly while a drain runs; it is cleared in the
   * same synchronous step that finds the queue empty and no write under way, so an event
   * recorded at any later moment starts a new drain rather than waiting in the queue.
   */
  private async drain(): Promise<void> {
    const limit = Math.max(1, this.opts.maxInFlight ?? 1);
    /** Writes under way, by involved object. */
    const inFlight = new Map<string, Promise<void>>();
    try {
      for (;;) {
        const e = this.stopped ? undefined : this.queue.shift();
        if (e === undefined) {
          // Leave only in the step that finds nothing queued and nothing under way (see above).
          if (inFlight.size === 0 || this.stopped) return;
          // Until a write ends or record() queues another event.
          await Promise.race([...inFlight.values(), new Promise<void>((resolve) => (this.wake = resolve))]);
          this.wake = undefined;
          continue;
        }
        const ref = e.involvedObject;
        const object = `${ref.kind ?? ''}/${ref.namespace ?? ''}/${ref.name ?? ''}/${ref.uid ?? ''}`;
        while (inFlight.has(object) || inFlight.size >= limit) {
          await (inFlight.get(object) ?? Promise.race(inFlight.values()));
        }
        const c = this.correlator.correlate(e);
        if (c.skip) continue;
        // A write gives up only when the recorder stops (its sleep is aborted): nothing to report.
        const done = this.writeWithRetries(c)
          .catch(() => undefined)
          .finally(() => inFlight.delete(object));
        inFlight.set(object, done);
      }
    } finally {
      this.draining = false;
    }
  }

  private async writeWithRetries(c: Correlation): Promise<void> {
    const maxTries = this.opts.maxTries ?? 12;
    const pause = this.opts.retrySleepMs ?? 10_000;
    for (let tries = 1; !this.stopped; tries++) {
      if (await this.write(c)) return;
      if (tries >= maxTries) {
        this.opts.logger?.error('unable to write event (retry limit exceeded!)', { reason: c.event.reason, object: c.event.involvedObject.name });
        return;
      }
      const wait = tries === 1 ? this.opts.rng.next() * pause : pause;
      await sleep(this.opts.clock, wait, this.abort.signal);
    }
  }

  /** One attempt; true when done (written, or refused in a way a retry cannot fix). */
  private async write(c: Correlation): Promise<boolean> {
    const e = c.event;
    const ns = e.metadata.namespace ?? 'default';
    const events = this.events.namespace(ns);
    try {
      let written: Event | undefined;
      if (c.patch !== undefined && (e.count ?? 1) > 1) {
        try {
          written = await events.patch(e.metadata.name ?? '', 'strategic', c.patch, { signal: this.abort.signal });
        } catch (err) {
          // The event may have been deleted (expired) meanwhile: create it anew.
          if (!isNotFound(err)) throw err;
        }
      }
      if (written === undefined) {
        const fresh: Event = { ...e, metadata: { ...e.metadata } };
        delete fresh.metadata.resourceVersion;
        written = await events.create(fresh, { signal: this.abort.signal });
      }
      this.correlator.updateState(c.key, written);
      return true;
    } catch (err) {
      if (err instanceof ApiError) {
        // The server answered: retrying the same request would get the same answer.
        if (err.reason !== 'AlreadyExists') this.opts.logger?.error('server rejected event', { reason: e.reason, error: err.message });
        return true;
      }
      this.opts.logger?.warn('unable to write event, may retry', { reason: e.reason, error: (err as Error).message });
      return false;
    }
  }
}
