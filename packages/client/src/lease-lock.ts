// The resource a leader election contends for: a coordination.k8s.io/v1 Lease. Writes are
// conditional on the resourceVersion last read (get, create or update), so two candidates can never
// both take it. The watch only reports records; it never changes the version a write is based on.
import type { Lease } from '@kubemu/api';
import { ApiError, isNotFound } from './api-error';
import type { ResourceClient } from './resource-client';
import type { RestClient } from './rest-client';

/** The lock's content as client-go's resourcelock.LeaderElectionRecord has it (times as RFC 3339). */
export interface LeaderElectionRecord {
  holderIdentity: string;
  leaseDurationSeconds: number;
  acquireTime: string;
  renewTime: string;
  leaderTransitions: number;
}

/** A record as read, with a canonical serialisation to tell whether it changed since the last read. */
export interface ObservedRecord {
  record: LeaderElectionRecord;
  raw: string;
}

export interface ResourceLock {
  readonly identity: string;
  /** The current record; undefined when the lock object does not exist. Throws on other failures. */
  get(signal?: AbortSignal): Promise<ObservedRecord | undefined>;
  create(record: LeaderElectionRecord, signal?: AbortSignal): Promise<ObservedRecord>;
  /** Conditional on the version last read or written: throws a 409 ApiError if someone wrote since. */
  update(record: LeaderElectionRecord, signal?: AbortSignal): Promise<ObservedRecord>;
  /**
   * Optional: follows the lock object, calling `onRecord` with its record each time the server
   * reports it (the current one first, then every change; a deletion is not reported). Resolves
   * when the server ends the stream, rejects when it breaks; ends promptly once `signal` aborts.
   * A lock without it is polled.
   */
  watch?(onRecord: (o: ObservedRecord) => void, signal: AbortSignal): Promise<void>;
  describe(): string;
}

export const LEASES = { group: 'coordination.k8s.io', version: 'v1', resource: 'leases', namespaced: true } as const;

export class LeaseLock implements ResourceLock {
  private lease: Lease | undefined;
  private readonly leases: ResourceClient<Lease>;

  constructor(
    client: RestClient,
    readonly namespace: string,
    readonly name: string,
    readonly identity: string,
  ) {
    this.leases = client.resource<Lease>(LEASES).namespace(namespace);
  }

  describe(): string {
    return `${this.namespace}/${this.name}`;
  }

  async get(signal?: AbortSignal): Promise<ObservedRecord | undefined> {
    try {
      this.lease = await this.leases.get(this.name, signal ? { signal } : {});
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
    return observed(this.lease);
  }

  async create(record: LeaderElectionRecord, signal?: AbortSignal): Promise<ObservedRecord> {
    const lease: Lease = { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { namespace: this.namespace, name: this.name }, spec: toSpec(record) };
    this.lease = await this.leases.create(lease, signal ? { signal } : {});
    return observed(this.lease);
  }

  async update(record: LeaderElectionRecord, signal?: AbortSignal): Promise<ObservedRecord> {
    if (this.lease === undefined) throw new Error('LeaseLock.update before get or create');
    const next: Lease = { ...this.lease, spec: { ...this.lease.spec, ...toSpec(record) } };
    this.lease = await this.leases.update(next, signal ? { signal } : {});
    return observed(this.lease);
  }

  /** GET .../leases?watch=true&fieldSelector=metadata.name=<name>, from the current state. */
  async watch(onRecord: (o: ObservedRecord) => void, signal: AbortSignal): Promise<void> {
    const w = await this.leases.watch({ fieldSelector: `metadata.name=${this.name}`, signal });
    const stop = (): void => w.stop();
    signal.addEventListener('abort', stop, { once: true });
    try {
      for await (const ev of w) {
        // An ERROR event (410 Expired and the like) ends this watch; the caller opens a new one.
        if (ev.type === 'ERROR') throw new ApiError(ev.object);
        if (ev.type === 'ADDED' || ev.type === 'MODIFIED') onRecord(observed(ev.object));
      }
    } finally {
      signal.removeEventListener('abort', stop);
      w.stop();
    }
  }
}

function toSpec(r: LeaderElectionRecord): NonNullable<Lease['spec']> {
  // A time the record does not have ('' when read from a Lease without it) is left out: the
  // apiserver refuses an empty MicroTime, as kube-apiserver does.
  return {
    holderIdentity: r.holderIdentity,
    leaseDurationSeconds: r.leaseDurationSeconds,
    ...(r.acquireTime !== '' ? { acquireTime: r.acquireTime } : {}),
    ...(r.renewTime !== '' ? { renewTime: r.renewTime } : {}),
    leaseTransitions: r.leaderTransitions,
  };
}

function observed(lease: Lease): ObservedRecord {
  const s = lease.spec ?? {};
  const record: LeaderElectionRecord = {
    holderIdentity: s.holderIdentity ?? '',
    leaseDurationSeconds: s.leaseDurationSeconds ?? 0,
    acquireTime: s.acquireTime ?? '',
    renewTime: s.renewTime ?? '',
    leaderTransitions: s.leaseTransitions ?? 0,
  };
  return { record, raw: JSON.stringify(record) };
}
