// The generic registry: create, get, update, patch and delete of any resource, over the store.
// Every write is a compare-and-swap on the revision the registry read, retried where Kubernetes
// retries (unconditional updates, patches), so replicas never overwrite each other's writes.
import { apiVersionOf, deepEqual, invalid, toStatus, validateCreate } from '@kubemu/api';
import type { KubeObject, ObjectMeta, ResourceInfo, Service } from '@kubemu/api';
import type { Clock, Rng } from '@kubemu/base';
import { admitCreate, admitUpdate } from '../admission/admission';
import type { AdmissionDeps } from '../admission/admission';
import { nodeRestriction } from '../auth';
import type { UserInfo } from '../http/extensions';
import { reservationChanges, takenErrors } from '../admission/service-addresses';
import { STALE_OBJECT, alreadyExists, badRequest, conflict, internalError, isStatus, notFound } from '../http/status';
import type { ApiStatus } from '../http/status';
import type { ObjectStore, SideKey, Stored } from '../storage/object-store';
import { deleteObject } from './deletion';
import { copyJson } from './json-copy';
import type { DeleteOptions } from './deletion';
import { generateName, newUid, rfc3339 } from './meta';
import { releasesOf, storeKey, targetOf } from './scope';
import type { Outcome, Result, Scope } from './scope';

export { releasesOf, storeKey, targetOf };
export type { Outcome, Result, Scope };
import { labelNamespace, specOf, strategyFor } from './strategy';




export interface WriteOptions {
  dryRun: boolean;
  /** Who writes: kubelets (group system:nodes) are held to their own Node and pods (NodeRestriction). */
  user?: UserInfo;
}

/** The NodeRestriction admission check for a write; undefined when admitted. */
function restrict(op: 'CREATE' | 'UPDATE' | 'DELETE', s: Scope, user: UserInfo | undefined, subresource: string | undefined, object?: KubeObject, oldObject?: KubeObject): ApiStatus | undefined {
  if (user === undefined || !user.groups.includes('system:nodes')) return undefined;
  return nodeRestriction({
    user,
    operation: op,
    apiGroup: s.info.group,
    resource: s.info.resource,
    ...(subresource === undefined ? {} : { subresource }),
    namespace: s.namespace,
    name: op === 'CREATE' ? '' : s.name,
    ...(object === undefined ? {} : { object }),
    ...(oldObject === undefined ? {} : { oldObject }),
  }) as ApiStatus | undefined;
}

/** A write this replica committed to the store (for publishers outside the Kubernetes API). */
export interface CommittedChange {
  type: 'ADDED' | 'MODIFIED' | 'DELETED';
  info: ResourceInfo;
  object: KubeObject;
}

/**
 * Applies a patch to the current object; supplied by the HTTP layer (it knows the media type).
 * `current` is the attempt's own copy: the mutation may change it and return it.
 */
export type Mutation = (current: KubeObject) => KubeObject | ApiStatus;

/** Where guaranteedUpdate may read an object's recent state (the watch cache); it may lag the store. */
export type RecentState = (info: ResourceInfo, key: string) => Stored | undefined;

type UpdateStep = { kind: 'written' | 'answer'; result: Result } | { kind: 'conflict' };

const MAX_RETRIES = 5;



export class Registry {
  private readonly observers: ((c: CommittedChange) => void)[] = [];

  constructor(
    readonly store: ObjectStore,
    private readonly admission: AdmissionDeps,
    private readonly clock: Clock,
    private readonly rng: Rng,
    private readonly recent?: RecentState,
  ) {}

  /** Calls `fn` after every write this registry commits. */
  observe(fn: (c: CommittedChange) => void): void {
    this.observers.push(fn);
  }

  private committed(type: CommittedChange['type'], info: ResourceInfo, object: KubeObject): void {
    for (const fn of this.observers) fn({ type, info, object });
  }

  async delete(s: Scope, opts: DeleteOptions & { user?: UserInfo }): Promise<Result> {
    if (opts.user?.groups.includes('system:nodes') === true) {
      const current = await this.store.get(storeKey(s.info, s.namespace, s.name));
      const denied = restrict('DELETE', s, opts.user, undefined, undefined, current?.object);
      if (denied !== undefined) return denied;
    }
    const r = await deleteObject(this.store, this.clock, s, opts);
    if (!opts.dryRun && !isStatus(r) && r.code === 200) this.committed('DELETED', s.info, r.object);
    else if (!opts.dryRun && !isStatus(r) && r.code === 202) this.committed('MODIFIED', s.info, r.object);
    else if (!opts.dryRun && isStatus(r) && r.status === 'Success') this.committed('DELETED', s.info, { apiVersion: apiVersionOf(s.info), kind: s.info.kind, metadata: { name: s.name, ...(s.namespace === '' ? {} : { namespace: s.namespace }) } });
    return r;
  }

  async get(s: Scope): Promise<Result> {
    const got = await this.store.get(storeKey(s.info, s.namespace, s.name));
    return got === undefined ? notFound(targetOf(s)) : { code: 200, object: got.object };
  }

  async create(s: Scope, body: KubeObject, opts: WriteOptions): Promise<Result> {
    const obj = copyJson(body);
    const meta: ObjectMeta = (obj.metadata ??= {});
    if (s.info.namespaced) {
      if (meta.namespace !== undefined && meta.namespace !== '' && meta.namespace !== s.namespace) {
        return badRequest('the namespace of the provided object does not match the namespace sent on the request');
      }
      meta.namespace = s.namespace;
    } else {
      delete meta.namespace;
    }
    obj.apiVersion = s.info.group === '' ? s.info.version : `${s.info.group}/${s.info.version}`;
    obj.kind = s.info.kind;
    if ((meta.name === undefined || meta.name === '') && meta.generateName !== undefined && meta.generateName !== '') {
      meta.name = generateName(meta.generateName, this.rng);
    }
    if (meta.name === undefined || meta.name === '') return toStatus(s.info, '', validateCreate(obj));
    const name = meta.name;
    const strategy = strategyFor(s.info);
    meta.uid = newUid();
    meta.creationTimestamp = rfc3339(this.clock.wallNow());
    delete meta.deletionTimestamp;
    delete meta.deletionGracePeriodSeconds;
    delete meta.resourceVersion;
    delete meta.selfLink;
    if (strategy.generation) meta.generation = 1;
    else delete meta.generation;
    strategy.prepareForCreate(obj);
    for (let attempt = 0; ; attempt++) {
      const admitted = await admitCreate(this.admission, s.info, copyJson(obj));
      if (isStatus(admitted)) return admitted;
      const object = admitted.object;
      const denied = restrict('CREATE', s, opts.user, undefined, object);
      if (denied !== undefined) return denied;
      if (opts.dryRun) return { code: 201, object };
      const key = storeKey(s.info, s.namespace, name);
      const side = s.info.resource === 'services' && s.info.group === '' ? reservationChanges(undefined, object, `${s.namespace}/${name}`) : [];
      const taken = await this.takenAmong(side);
      if (taken.size > 0 && userChose(obj, taken)) return allocationTaken(s, object, taken);
      const res = await this.store.create(key, object, side);
      if (res.ok) {
        this.committed('ADDED', s.info, res.object);
        return { code: 201, object: res.object };
      }
      if (res.why === 'exists') return alreadyExists({ ...targetOf(s), name });
      // A randomly chosen address was taken by a concurrent create: choose again.
      if (attempt >= MAX_RETRIES * 4) return internalError(new Error('could not allocate a free service address'));
    }
  }

  /** PUT of the main resource or of a subresource (status). */
  async update(s: Scope, body: KubeObject, opts: WriteOptions & { subresource?: string }): Promise<Result> {
    if (body.metadata?.name !== undefined && body.metadata.name !== s.name) {
      return badRequest(`the name of the object (${body.metadata.name}) does not match the name on the URL (${s.name})`);
    }
    if (s.info.namespaced && body.metadata?.namespace !== undefined && body.metadata.namespace !== '' && body.metadata.namespace !== s.namespace) {
      return badRequest('the namespace of the provided object does not match the namespace sent on the request');
    }
    const wanted = body.metadata?.resourceVersion;
    return this.guaranteedUpdate(s, opts, (current) => {
      if (wanted !== undefined && wanted !== '' && wanted !== current.metadata?.resourceVersion) return conflict(targetOf(s), STALE_OBJECT);
      return body;
    }, true);
  }

  /** PATCH: the mutation is applied to the latest object, retried on conflicts. */
  patch(s: Scope, mutate: Mutation, opts: WriteOptions & { subresource?: string }): Promise<Result> {
    return this.guaranteedUpdate(s, opts, (current) => {
      const next = mutate(current);
      if (isStatus(next)) return next;
      const wanted = next.metadata?.resourceVersion;
      if (wanted !== undefined && wanted !== current.metadata?.resourceVersion) return conflict(targetOf(s), STALE_OBJECT);
      return next;
    }, false);
  }

  /**
   * Reads, computes the new object with `tryUpdate` and writes it if the object is unchanged since
   * the read; on a lost race, reads again (kube-apiserver's GuaranteedUpdate).
   *
   * The first read comes from the watch cache when it holds the object (kube-apiserver's cacher
   * hands GuaranteedUpdate its cached copy the same way): it saves a store round trip on most
   * writes. That copy may lag the store. Invariants that keep this safe: a write is a compare on
   * the revision the copy was read at, so a stale copy can only lose (conflict, then a fresh read);
   * and an answer given without writing (a refusal, a no-op, a dry run) is only ever given from a
   * fresh store read, so a client never sees an answer a stale copy made up.
   */
  private async guaranteedUpdate(s: Scope, opts: WriteOptions & { subresource?: string }, tryUpdate: Mutation, createOnMissing: boolean): Promise<Result> {
    const key = storeKey(s.info, s.namespace, s.name);
    let current = opts.dryRun ? undefined : this.recent?.(s.info, key);
    let fresh = current === undefined;
    if (fresh) current = await this.store.get(key);
    for (let attempt = 0; attempt < MAX_RETRIES;) {
      if (current === undefined) {
        // Only a fresh read gets here: a cached copy is never undefined.
        if (createOnMissing && strategyFor(s.info).allowCreateOnUpdate && opts.subresource === undefined) {
          const body = tryUpdate({});
          if (isStatus(body)) return body;
          return this.create(s, body, opts);
        }
        return notFound(targetOf(s));
      }
      const step = await this.updateOnce(s, key, current, opts, tryUpdate);
      if (step.kind === 'written' || (step.kind === 'answer' && fresh)) return step.result;
      if (step.kind === 'conflict') attempt++;
      current = await this.store.get(key);
      fresh = true;
    }
    return conflict(targetOf(s), STALE_OBJECT);
  }

  /** One attempt of guaranteedUpdate from `current`: a committed write, an answer without one, or a lost race. */
  private async updateOnce(s: Scope, key: string, current: Stored, opts: WriteOptions & { subresource?: string }, tryUpdate: Mutation): Promise<UpdateStep> {
    const answer = (result: Result): UpdateStep => ({ kind: 'answer', result });
    const mine = copyJson(current.object);
    const proposed = tryUpdate(mine);
    if (isStatus(proposed)) return answer(proposed);
    // What tryUpdate returns may share parts with the request (a body, a patch) that the next
    // attempt reuses, and the merge and admission mutate it: they get their own copy, unless it
    // is the attempt's copy changed in place (a binding).
    const next = this.mergeUpdate(s, current, proposed === mine ? mine : copyJson(proposed), opts.subresource);
    // A binding is the server's own write of spec.nodeName, which pod validation forbids clients.
    const admitted = opts.subresource === 'binding' ? { object: next } : admitUpdate(this.admission, s.info, next, current.object);
    if (isStatus(admitted)) return answer(admitted);
    const object = admitted.object;
    const denied = restrict('UPDATE', s, opts.user, opts.subresource, object, current.object);
    if (denied !== undefined) return answer(denied);
    if (deepEqual(stripRv(object), stripRv(current.object))) return answer({ code: 200, object: current.object });
    if (opts.dryRun) return answer({ code: 200, object });
    // The last finalizer removed from an object being deleted: the update completes the deletion.
    if (object.metadata?.deletionTimestamp !== undefined && (object.metadata.finalizers ?? []).length === 0 && !isNamespaceWithFinalizers(s, object)) {
      const res = await this.store.delete(key, current.revision, releasesOf(s, current.object));
      if (res.ok) {
        this.committed('DELETED', s.info, object);
        return { kind: 'written', result: { code: 200, object } };
      }
      return res.why === 'not-found' ? { kind: 'written', result: notFound(targetOf(s)) } : { kind: 'conflict' };
    }
    const side = s.info.resource === 'services' && s.info.group === '' ? reservationChanges(current.object, object, `${s.namespace}/${s.name}`) : [];
    const taken = await this.takenAmong(side);
    if (taken.size > 0) return answer(allocationTaken(s, object, taken));
    const res = await this.store.update(key, object, current.revision, side);
    if (res.ok) {
      this.committed('MODIFIED', s.info, res.object);
      return { kind: 'written', result: { code: 200, object: res.object } };
    }
    // The key is gone from the store: that answer is fresh whatever copy the attempt started from.
    return res.why === 'not-found' ? { kind: 'written', result: notFound(targetOf(s)) } : { kind: 'conflict' };
  }

  /** What of `next` the request may change: status only through /status, the rest only through the main resource. */
  private mergeUpdate(s: Scope, current: Stored, next: KubeObject, subresource: string | undefined): KubeObject {
    const old = current.object;
    const strategy = strategyFor(s.info);
    const hasStatus = s.info.subresources.includes('status');
    let out: KubeObject;
    if (subresource === 'status') {
      out = copyJson(old);
      out.status = next.status;
      // Annotations travel with status updates (kube's status strategies reset the spec and labels,
      // not annotations: the deployment controller writes its revision annotation that way).
      if (next.metadata?.annotations !== undefined) (out.metadata ??= {}).annotations = next.metadata.annotations;
    } else {
      out = next;
      if (hasStatus && subresource !== 'binding') {
        if (old.status === undefined) delete out.status;
        else out.status = copyJson(old.status);
      }
    }
    const meta: ObjectMeta = (out.metadata ??= {});
    const oldMeta = old.metadata ?? {};
    meta.name = oldMeta.name!;
    if (s.info.namespaced) meta.namespace = oldMeta.namespace!;
    meta.uid = oldMeta.uid!;
    meta.creationTimestamp = oldMeta.creationTimestamp!;
    if (oldMeta.deletionTimestamp !== undefined) {
      meta.deletionTimestamp = oldMeta.deletionTimestamp;
      if (oldMeta.deletionGracePeriodSeconds !== undefined) meta.deletionGracePeriodSeconds = oldMeta.deletionGracePeriodSeconds;
    } else {
      delete meta.deletionTimestamp;
      delete meta.deletionGracePeriodSeconds;
    }
    if (oldMeta.generateName !== undefined) meta.generateName = oldMeta.generateName;
    if (s.info.group === '' && s.info.resource === 'namespaces') labelNamespace(out);
    out.apiVersion = old.apiVersion!;
    out.kind = old.kind!;
    if (strategy.generation) {
      const gen = oldMeta.generation ?? 1;
      meta.generation = deepEqual(specOf(out), specOf(old)) ? gen : gen + 1;
    } else {
      delete meta.generation;
    }
    meta.resourceVersion = oldMeta.resourceVersion!;
    return out;
  }

  /** Which of the reservation keys to take already exist. */
  private async takenAmong(side: readonly SideKey[]): Promise<Set<string>> {
    const taken = new Set<string>();
    for (const sk of side) {
      if (sk.value === undefined) continue;
      const got = await this.store.client.range({ key: new TextEncoder().encode(sk.key), countOnly: true });
      if (got.count > 0) taken.add(sk.key);
    }
    return taken;
  }
}

function stripRv(o: KubeObject): KubeObject {
  return { ...o, metadata: { ...o.metadata, resourceVersion: '' } };
}

function isNamespaceWithFinalizers(s: Scope, obj: KubeObject): boolean {
  return s.info.group === '' && s.info.resource === 'namespaces' && ((obj.spec as { finalizers?: string[] } | undefined)?.finalizers ?? []).length > 0;
}


function userChose(obj: KubeObject, taken: ReadonlySet<string>): boolean {
  const spec = obj.spec as { clusterIP?: string; ports?: { nodePort?: number }[] } | undefined;
  return [...taken].some((k) => k.endsWith(`/${spec?.clusterIP ?? '-'}`) || (spec?.ports ?? []).some((p) => p.nodePort !== undefined && k.endsWith(`/${p.nodePort}`)));
}

function allocationTaken(s: Scope, obj: KubeObject, taken: ReadonlySet<string>): ApiStatus {
  const errs = takenErrors(obj as Service, taken).map((e) => invalid(e.field, e.value, e.detail));
  return toStatus(s.info, obj.metadata?.name ?? '', errs);
}
