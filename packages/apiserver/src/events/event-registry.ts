// The REST semantics of core/v1 Events over the JetStream bucket, as the generic registry gives
// them to stored resources: server-owned metadata, namespace lifecycle, validation, AlreadyExists,
// optimistic concurrency (409 on a stale resourceVersion; unconditional updates and patches retried
// on a lost race), create on update (the Event strategy allows it), finalizers, dry run.
// Every committed write is handed to `committed` (the publisher).
import { applyDefaults, deepEqual, findResource, toStatus } from '@kubemu/api';
import type { KubeObject, ObjectMeta, ResourceInfo } from '@kubemu/api';
import type { Clock, Rng } from '@kubemu/base';
import { namespaceLifecycle } from '../admission/admission';
import type { AdmissionDeps } from '../admission/admission';
import { STALE_OBJECT, alreadyExists, badRequest, conflict, isStatus, notFound, success } from '../http/status';
import type { DeleteOptions } from '../registry/deletion';
import { generateName, newUid, rfc3339 } from '../registry/meta';
import type { CommittedChange, Mutation, Result, WriteOptions } from '../registry/registry';
import type { EventBucket, StoredEvent } from './event-bucket';
import { selectableSkeleton, validateEventCreate, validateEventUpdate } from './event-validation';

export const EVENTS: ResourceInfo = findResource('', 'v1', 'events')!;

/**
 * Attempts of a read-modify-write before giving up with a 409. kube-apiserver's GuaranteedUpdate
 * retries a lost race without bound; this bound only stops a runaway loop.
 */
const MAX_RETRIES = 100;

export interface EventRegistryDeps {
  bucket: EventBucket;
  clock: Clock;
  rng: Rng;
  /** Namespace lifecycle admission (reads the namespace through the watch cache). */
  admission: AdmissionDeps;
  committed(c: CommittedChange): void;
}

const target = (name: string): { group: string; resource: string; name: string } => ({ group: '', resource: 'events', name });

export class EventRegistry {
  constructor(private readonly deps: EventRegistryDeps) {}

  async get(namespace: string, name: string): Promise<Result> {
    const got = await this.deps.bucket.get(namespace, name);
    if (isStatus(got)) return got;
    return got === undefined || got.deleted ? notFound(target(name)) : { code: 200, object: got.object };
  }

  async create(namespace: string, body: KubeObject, opts: WriteOptions): Promise<Result> {
    const obj = structuredClone(body);
    const meta: ObjectMeta = (obj.metadata ??= {});
    if (meta.namespace !== undefined && meta.namespace !== '' && meta.namespace !== namespace) {
      return badRequest('the namespace of the provided object does not match the namespace sent on the request');
    }
    meta.namespace = namespace;
    obj.apiVersion = 'v1';
    obj.kind = 'Event';
    if ((meta.name === undefined || meta.name === '') && meta.generateName !== undefined && meta.generateName !== '') {
      meta.name = generateName(meta.generateName, this.deps.rng);
    }
    const name = meta.name ?? '';
    if (name === '') return toStatus(EVENTS, '', validateEventCreate(obj));
    meta.uid = newUid();
    meta.creationTimestamp = rfc3339(this.deps.clock.wallNow());
    for (const k of ['deletionTimestamp', 'deletionGracePeriodSeconds', 'resourceVersion', 'selfLink', 'generation'] as const) delete meta[k];
    const lifecycle = await namespaceLifecycle(this.deps.admission, EVENTS, namespace, name);
    if (lifecycle !== undefined) return lifecycle;
    const object = applyDefaults(obj) as KubeObject;
    const errs = validateEventCreate(object);
    if (errs.length > 0) return toStatus(EVENTS, name, errs);
    if (opts.dryRun) return { code: 201, object };
    // Optimistically assume the key is empty; a lost bet tells whether it holds an Event or a
    // delete marker (which a create may replace).
    let expect = 0;
    for (let attempt = 0; attempt < MAX_RETRIES; attempt++) {
      const w = await this.deps.bucket.write(namespace, name, object, { expect, type: 'ADDED' });
      if (isStatus(w)) return w;
      if (w !== 'stale') return this.commit('ADDED', object, w.seq, 201);
      const current = await this.deps.bucket.get(namespace, name);
      if (isStatus(current)) return current;
      if (current !== undefined && !current.deleted) return alreadyExists(target(name));
      expect = current?.seq ?? 0;
    }
    return alreadyExists(target(name));
  }

  /** PUT: a stale metadata.resourceVersion is a 409; a missing Event is created. */
  update(namespace: string, name: string, body: KubeObject, opts: WriteOptions): Promise<Result> {
    if (body.metadata?.name !== undefined && body.metadata.name !== name) {
      return Promise.resolve(badRequest(`the name of the object (${body.metadata.name}) does not match the name on the URL (${name})`));
    }
    const wanted = body.metadata?.resourceVersion;
    return this.guaranteedUpdate(namespace, name, opts, (current) => {
      if (wanted !== undefined && wanted !== '' && wanted !== current.metadata?.resourceVersion) return conflict(target(name), STALE_OBJECT);
      return body;
    }, body);
  }

  /** PATCH: the mutation is applied to the latest Event, again after a lost race. */
  patch(namespace: string, name: string, mutate: Mutation, opts: WriteOptions): Promise<Result> {
    return this.guaranteedUpdate(namespace, name, opts, (current) => {
      const next = mutate(current);
      if (isStatus(next)) return next;
      const wanted = next.metadata?.resourceVersion;
      if (wanted !== undefined && wanted !== current.metadata?.resourceVersion) return conflict(target(name), STALE_OBJECT);
      return next;
    }, undefined);
  }

  async delete(namespace: string, name: string, opts: DeleteOptions): Promise<Result> {
    for (let attempt = 0; attempt < MAX_RETRIES; attempt++) {
      const current = await this.deps.bucket.get(namespace, name);
      if (isStatus(current)) return current;
      if (current === undefined || current.deleted) return notFound(target(name));
      const meta = current.object.metadata ?? {};
      const pre = opts.preconditions;
      if (pre?.uid !== undefined && pre.uid !== meta.uid) {
        return conflict(target(name), `Precondition failed: UID in precondition: ${pre.uid}, UID in object meta: ${meta.uid ?? ''}`);
      }
      if (pre?.resourceVersion !== undefined && pre.resourceVersion !== meta.resourceVersion) {
        return conflict(target(name), `Precondition failed: ResourceVersion in precondition: ${pre.resourceVersion}, ResourceVersion in meta: ${meta.resourceVersion ?? ''}`);
      }
      if ((meta.finalizers ?? []).length > 0) {
        // Finalizers hold the Event until their owners remove them (an update then completes the deletion).
        if (meta.deletionTimestamp !== undefined) return { code: 202, object: current.object };
        const pending = { ...current.object, metadata: { ...meta, deletionTimestamp: rfc3339(this.deps.clock.wallNow()), deletionGracePeriodSeconds: 0 } };
        if (opts.dryRun) return { code: 202, object: pending };
        const w = await this.deps.bucket.write(namespace, name, pending, { expect: current.seq, type: 'MODIFIED', prev: selectableSkeleton(current.object) });
        if (isStatus(w)) return w;
        if (w === 'stale') continue;
        return this.commit('MODIFIED', pending, w.seq, 202);
      }
      if (!opts.dryRun) {
        const w = await this.deps.bucket.write(namespace, name, current.object, { expect: current.seq, type: 'DELETED' });
        if (isStatus(w)) return w;
        if (w === 'stale') continue;
        this.commit('DELETED', current.object, w.seq, 200);
      }
      return success({ name, kind: 'events', ...(meta.uid === undefined ? {} : { uid: meta.uid }) });
    }
    return conflict(target(name), STALE_OBJECT);
  }

  /**
   * Reads, computes the new Event and writes it if the key is still at the revision read; on a
   * lost race, reads again. `createWith` (PUT only): the body to create when the Event is missing.
   */
  private async guaranteedUpdate(namespace: string, name: string, opts: WriteOptions, tryUpdate: Mutation, createWith: KubeObject | undefined): Promise<Result> {
    for (let attempt = 0; attempt < MAX_RETRIES; attempt++) {
      const current = await this.deps.bucket.get(namespace, name);
      if (isStatus(current)) return current;
      if (current === undefined || current.deleted) {
        if (createWith === undefined) return notFound(target(name));
        const { resourceVersion: _rv, ...meta } = createWith.metadata ?? {};
        return this.create(namespace, { ...createWith, metadata: { ...meta, name } }, opts);
      }
      const proposed = tryUpdate(structuredClone(current.object));
      if (isStatus(proposed)) return proposed;
      const next = keepServerFields(applyDefaults(structuredClone(proposed)) as KubeObject, current.object);
      const errs = validateEventUpdate(next, current.object);
      if (errs.length > 0) return toStatus(EVENTS, name, errs);
      if (deepEqual(next, current.object)) return { code: 200, object: current.object };
      if (opts.dryRun) return { code: 200, object: next };
      const finished = next.metadata?.deletionTimestamp !== undefined && (next.metadata.finalizers ?? []).length === 0;
      const w = finished
        ? await this.deps.bucket.write(namespace, name, next, { expect: current.seq, type: 'DELETED' })
        : await this.deps.bucket.write(namespace, name, next, { expect: current.seq, type: 'MODIFIED', prev: selectableSkeleton(current.object) });
      if (isStatus(w)) return w;
      if (w === 'stale') continue;
      return this.commit(finished ? 'DELETED' : 'MODIFIED', next, w.seq, 200);
    }
    return conflict(target(name), STALE_OBJECT);
  }

  private commit(type: StoredEvent['type'], object: KubeObject, seq: number, code: number): Result {
    const stored = { ...object, metadata: { ...object.metadata, resourceVersion: String(seq) } };
    this.deps.committed({ type, info: EVENTS, object: stored });
    return { code, object: stored };
  }
}

/** What an update may not change: identity, creation, a deletion under way, the type fields. */
function keepServerFields(next: KubeObject, old: KubeObject): KubeObject {
  const meta: ObjectMeta = (next.metadata ??= {});
  const oldMeta = old.metadata ?? {};
  meta.name = oldMeta.name!;
  meta.namespace = oldMeta.namespace!;
  meta.uid = oldMeta.uid!;
  meta.creationTimestamp = oldMeta.creationTimestamp!;
  if (oldMeta.generateName !== undefined) meta.generateName = oldMeta.generateName;
  else delete meta.generateName;
  if (oldMeta.deletionTimestamp !== undefined) {
    meta.deletionTimestamp = oldMeta.deletionTimestamp;
    meta.deletionGracePeriodSeconds = oldMeta.deletionGracePeriodSeconds ?? 0;
  } else {
    delete meta.deletionTimestamp;
    delete meta.deletionGracePeriodSeconds;
  }
  delete meta.generation;
  delete meta.selfLink;
  meta.resourceVersion = oldMeta.resourceVersion!;
  next.apiVersion = 'v1';
  next.kind = 'Event';
  return next;
}
