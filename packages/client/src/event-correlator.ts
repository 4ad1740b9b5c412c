// What client-go's EventCorrelator decides before an Event is written: drop it (spam filter),
// fold it into an aggregate of similar events, or count it as a repeat of an identical one
// (patch count and lastTimestamp instead of creating a new Event).
import type { Clock } from '@kubemu/base';
import type { Event } from '@kubemu/api';
import { TokenBucket } from './token-bucket';

/** After this many distinct messages for one object+reason within the interval, events are aggregated. */
export const AGGREGATE_MAX_EVENTS = 10;
export const AGGREGATE_INTERVAL_MS = 600_000;
/** Per source+object: a burst of 25 events, then one per 5 minutes. */
export const SPAM_BURST = 25;
export const SPAM_QPS = 1 / 300;
const CACHE_SIZE = 4096;

export interface Correlation {
  /** The event to write: a new one, a repeat (count > 1, same name) or an aggregate. */
  event: Event;
  /** For a repeat: the strategic merge patch to send instead of a create. */
  patch?: { count: number; lastTimestamp: string; message: string };
  /** Dropped by the spam filter. */
  skip: boolean;
  /** The cache key the event was counted under; pass it back to updateState. */
  key: string;
}

interface Observation {
  count: number;
  firstTimestamp: string;
  name: string;
  resourceVersion: string;
}

/** A small LRU: Map keeps insertion order, so re-setting a key makes it the newest. */
class Lru<V> {
  private readonly map = new Map<string, V>();
  constructor(private readonly max: number) {}
  get(k: string): V | undefined {
    const v = this.map.get(k);
    if (v !== undefined) {
      this.map.delete(k);
      this.map.set(k, v);
    }
    return v;
  }
  set(k: string, v: V): void {
    this.map.delete(k);
    this.map.set(k, v);
    if (this.map.size > this.max) this.map.delete(this.map.keys().next().value as string);
  }
}

function objectKey(e: Event): string[] {
  const o = e.involvedObject;
  return [e.source?.component ?? '', e.source?.host ?? '', o.kind ?? '', o.namespace ?? '', o.name ?? '', o.uid ?? '', o.apiVersion ?? ''];
}

/** Identity of an event for counting repeats (client-go's getEventKey). */
export function eventKey(e: Event): string {
  return [...objectKey(e), e.type ?? '', e.reason ?? '', e.action ?? '', e.message ?? '', e.reportingComponent ?? ''].join('');
}

function aggregateKey(e: Event): string {
  return [...objectKey(e), e.type ?? '', e.reason ?? '', e.reportingComponent ?? '', e.reportingInstance ?? ''].join('');
}

export class EventCorrelator {
  private readonly spam = new Lru<TokenBucket>(CACHE_SIZE);
  private readonly aggregates = new Lru<{ messages: Set<string>; last: number }>(CACHE_SIZE);
  private readonly observations = new Lru<Observation>(CACHE_SIZE);

  constructor(
    private readonly clock: Clock,
    /** Builds the name of a new (aggregate) Event for an object name. */
    private readonly nameFor: (objectName: string) => string,
    private readonly timestamp: () => string,
  ) {}

  correlate(input: Event): Correlation {
    const spamKey = objectKey(input).join('');
    let bucket = this.spam.get(spamKey);
    if (bucket === undefined) this.spam.set(spamKey, (bucket = new TokenBucket(SPAM_QPS, SPAM_BURST, this.clock)));
    if (!bucket.tryTake()) return { event: input, skip: true, key: '' };

    const { event, key } = this.aggregate(input);
    const last = this.observations.get(key);
    if (last === undefined) {
      this.observations.set(key, { count: event.count ?? 1, firstTimestamp: event.firstTimestamp ?? '', name: event.metadata.name ?? '', resourceVersion: '' });
      return { event, skip: false, key };
    }
    const repeat: Event = {
      ...event,
      metadata: { ...event.metadata, name: last.name, resourceVersion: last.resourceVersion },
      firstTimestamp: last.firstTimestamp,
      count: last.count + 1,
    };
    this.observations.set(key, { ...last, count: last.count + 1 });
    return { event: repeat, patch: { count: last.count + 1, lastTimestamp: repeat.lastTimestamp ?? '', message: repeat.message ?? '' }, skip: false, key };
  }

  /** Records what the server stored (name, resourceVersion, count) for the event's key. */
  updateState(key: string, written: Event): void {
    this.observations.set(key, {
      count: written.count ?? 1,
      firstTimestamp: written.firstTimestamp ?? '',
      name: written.metadata.name ?? '',
      resourceVersion: written.metadata.resourceVersion ?? '',
    });
  }

  private aggregate(e: Event): { event: Event; key: string } {
    const aKey = aggregateKey(e);
    const now = this.clock.now();
    let rec = this.aggregates.get(aKey);
    if (rec === undefined || now - rec.last > AGGREGATE_INTERVAL_MS) rec = { messages: new Set(), last: now };
    rec.messages.add(e.message ?? '');
    rec.last = now;
    this.aggregates.set(aKey, rec);
    if (rec.messages.size < AGGREGATE_MAX_EVENTS) return { event: e, key: eventKey(e) };
    // Keep the set bounded: forget one message, as client-go's PopAny does.
    rec.messages.delete(rec.messages.values().next().value as string);
    const ts = this.timestamp();
    const combined: Event = {
      metadata: { name: this.nameFor(e.involvedObject.name ?? ''), namespace: e.metadata.namespace ?? '' },
      involvedObject: e.involvedObject,
      reason: e.reason ?? '',
      message: `(combined from similar events): ${e.message ?? ''}`,
      type: e.type ?? '',
      source: e.source ?? {},
      count: 1,
      firstTimestamp: ts,
      lastTimestamp: ts,
      reportingComponent: e.reportingComponent ?? '',
      reportingInstance: e.reportingInstance ?? '',
    };
    return { event: combined, key: aKey };
  }
}
