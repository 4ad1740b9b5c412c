// What the fake API does with a write, following kube-apiserver's generic registry and the
// per-kind strategies controllers depend on: generateName, uid and timestamps, status reset on
// create, status kept apart from spec (the status subresource), generation bumps on spec
// changes, optimistic concurrency on resourceVersion, no-op updates that write nothing,
// finalizers and graceful pod deletion keeping an object with deletionTimestamp, and
// propagationPolicy adding the orphan/foregroundDeletion finalizers the garbage collector honours.
import type { Clock, Rng } from '@kubemu/base';
import { apiVersionOf, applyDefaults, deepEqual, toStatus, validateCreate, validateUpdate } from '@kubemu/api';
import type { KubeObject, ObjectMeta, Pod, ResourceInfo } from '@kubemu/api';
import { failureStatus } from '../api-error';
import type { StatusJson } from '../api-error';
import { rfc3339 } from '../time-format';
import { STALE, alreadyExists, badRequest, conflict, forbidden, notFound } from './fake-errors';
import { objectKey, resourceId } from './fake-store';
import type { FakeStore } from './fake-store';
import { podQosClass } from './pod-qos';

export interface Answer {
  status: number;
  body: unknown;
}

export interface RegistryOptions {
  clock: Clock;
  rng: Rng;
  /** Apply @kubemu/api defaulting and validation, as the apiserver does (default true). */
  validate: boolean;
  /** Refuse creates in namespaces that do not exist or are terminating (NamespaceLifecycle admission). */
  namespaceLifecycle: boolean;
}

export interface DeleteOptionsJson {
  propagationPolicy?: string;
  gracePeriodSeconds?: number;
  preconditions?: { uid?: string; resourceVersion?: string };
  dryRun?: string[];
}

/** Resources whose strategies maintain metadata.generation. */
const GENERATION = new Set([
  'deployments',
  'replicasets',
  'statefulsets',
  'daemonsets',
  'jobs',
  'cronjobs',
  'replicationcontrollers',
  'horizontalpodautoscalers',
  'ingresses',
  'networkpolicies',
  'poddisruptionbudgets',
]);

const NAME_CHARS = 'bcdfghjklmnpqrstvwxz2456789';

const ok = (status: number, body: unknown): Answer => ({ status, body });
const fail = (s: StatusJson): Answer => ({ status: s.code, body: s });

function meta(o: KubeObject): ObjectMeta {
  return (o.metadata ??= {});
}

/** Everything but metadata and status: what a generation counts changes of. */
function specPart(o: KubeObject): unknown {
  const { metadata: _m, status: _s, ...rest } = o;
  return rest;
}

function withoutVersion(o: KubeObject): KubeObject {
  const c = structuredClone(o);
  if (c.metadata) delete c.metadata.resourceVersion;
  return c;
}

export class FakeRegistry {
  constructor(
    readonly store: FakeStore,
    private readonly opts: RegistryOptions,
  ) {}

  now(offsetMs = 0): string {
    return rfc3339(this.opts.clock.wallNow() + offsetMs);
  }

  /** A random UUID (version 4 layout) drawn from the seeded Rng. */
  newUid(): string {
    const hex = Array.from({ length: 32 }, () => this.opts.rng.int(16).toString(16)).join('');
    return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-${'89ab'[this.opts.rng.int(4)]}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
  }

  get(info: ResourceInfo, ns: string | undefined, name: string): Answer {
    const obj = this.store.get(resourceId(info), objectKey(ns, name));
    return obj === undefined ? fail(notFound(info, name)) : ok(200, obj);
  }

  /** Stores an object as given (status included), filling in identity; for test setup. */
  seed(info: ResourceInfo, input: KubeObject): KubeObject {
    const obj = this.typed(info, input);
    const m = meta(obj);
    if (info.namespaced) m.namespace ||= 'default';
    else delete m.namespace;
    m.uid ??= this.newUid();
    m.creationTimestamp ??= this.now();
    if (GENERATION.has(info.resource)) m.generation ??= 1;
    const key = objectKey(m.namespace, m.name ?? '');
    const exists = this.store.get(resourceId(info), key) !== undefined;
    return this.store.write(resourceId(info), key, exists ? 'MODIFIED' : 'ADDED', obj);
  }

  create(info: ResourceInfo, ns: string | undefined, body: unknown, dryRun: boolean): Answer {
    if (!isObject(body)) return fail(badRequest('the body of the request is not an object'));
    let obj = this.typed(info, body);
    const m = meta(obj);
    if (info.namespaced) {
      if (m.namespace && m.namespace !== ns) return fail(badRequest('the namespace of the provided object does not match the namespace sent on the request'));
      m.namespace = ns;
    } else delete m.namespace;
    if (!m.name && m.generateName) m.name = m.generateName + Array.from({ length: 5 }, () => this.opts.rng.pick([...NAME_CHARS])).join('');
    const lifecycle = this.namespaceAdmission(info, ns, m.name ?? '');
    if (lifecycle !== undefined) return fail(lifecycle);
    resetStatusOnCreate(info, obj);
    if (this.opts.validate) {
      obj = applyDefaults(obj);
      const errs = validateCreate(obj);
      if (errs.length > 0) return fail(toStatus(info, meta(obj).name ?? '', errs) as StatusJson);
    } else if (!m.name) {
      return fail(failureStatus(422, 'Invalid', `${info.kind} "" is invalid: metadata.name: Required value: name or generateName is required`));
    }
    const om = meta(obj);
    const key = objectKey(om.namespace, om.name ?? '');
    if (this.store.get(resourceId(info), key) !== undefined) return fail(alreadyExists(info, om.name ?? ''));
    om.uid = this.newUid();
    om.creationTimestamp = this.now();
    delete om.resourceVersion;
    delete om.deletionTimestamp;
    delete om.deletionGracePeriodSeconds;
    if (GENERATION.has(info.resource)) om.generation = 1;
    if (dryRun) return ok(201, obj);
    return ok(201, this.store.write(resourceId(info), key, 'ADDED', obj));
  }

  /** PUT of the object, or of its status (subresource 'status') or of a namespace's finalizers ('finalize'). */
  update(info: ResourceInfo, ns: string | undefined, name: string, body: unknown, sub: string | undefined, dryRun: boolean): Answer {
    if (!isObject(body)) return fail(badRequest('the body of the request is not an object'));
    const old = this.store.get(resourceId(info), objectKey(ns, name));
    if (old === undefined) return fail(notFound(info, name));
    const input = body as KubeObject;
    const bodyName = input.metadata?.name;
    if (bodyName !== undefined && bodyName !== name) return fail(badRequest(`the name of the object (${bodyName}) does not match the name on the URL (${name})`));
    if (info.namespaced && input.metadata?.namespace && input.metadata.namespace !== ns) {
      return fail(badRequest('the namespace of the provided object does not match the namespace sent on the request'));
    }
    const om = meta(old);
    const rv = input.metadata?.resourceVersion;
    if (rv !== undefined && rv !== '' && rv !== om.resourceVersion) return fail(conflict(info, name, STALE));
    const uid = input.metadata?.uid;
    if (uid !== undefined && uid !== '' && uid !== om.uid) {
      return fail(conflict(info, name, `Precondition failed: UID in precondition: ${uid}, UID in object meta: ${om.uid ?? ''}`));
    }
    let next: KubeObject;
    if (sub === 'status') {
      next = structuredClone(old);
      next.status = structuredClone(input.status);
    } else if (sub === 'finalize') {
      next = structuredClone(old);
      ((next.spec ??= {}) as { finalizers?: unknown }).finalizers = (input.spec as { finalizers?: unknown } | undefined)?.finalizers;
    } else {
      next = this.typed(info, input);
      if (info.subresources.includes('status')) next.status = structuredClone(old.status);
      if (this.opts.validate) next = applyDefaults(next);
    }
    const nm = meta(next);
    for (const k of ['uid', 'creationTimestamp', 'deletionTimestamp', 'deletionGracePeriodSeconds', 'namespace', 'name', 'generation'] as const) {
      if (om[k] === undefined) delete nm[k];
      else (nm as Record<string, unknown>)[k] = om[k];
    }
    nm.resourceVersion = om.resourceVersion;
    if (om.deletionTimestamp !== undefined && (nm.finalizers ?? []).some((f) => !(om.finalizers ?? []).includes(f))) {
      return fail(invalidField(info, name, 'metadata.finalizers', 'no new finalizers can be added if the object is being deleted'));
    }
    if (this.opts.validate && sub === undefined) {
      const errs = validateUpdate(next, old);
      if (errs.length > 0) return fail(toStatus(info, name, errs) as StatusJson);
    }
    if (GENERATION.has(info.resource) && !deepEqual(specPart(next), specPart(old))) nm.generation = (om.generation ?? 0) + 1;
    if (deepEqual(withoutVersion(next), withoutVersion(old))) return ok(200, old);
    if (dryRun) return ok(200, next);
    if (this.finished(info, next)) return ok(200, this.store.write(resourceId(info), objectKey(ns, name), 'DELETED', next));
    return ok(200, this.store.write(resourceId(info), objectKey(ns, name), 'MODIFIED', next));
  }

  delete(info: ResourceInfo, ns: string | undefined, name: string, o: DeleteOptionsJson): Answer {
    const old = this.store.get(resourceId(info), objectKey(ns, name));
    if (old === undefined) return fail(notFound(info, name));
    const om = meta(old);
    const pre = o.preconditions;
    if (pre?.uid !== undefined && pre.uid !== om.uid) {
      return fail(conflict(info, name, `Precondition failed: UID in precondition: ${pre.uid}, UID in object meta: ${om.uid ?? ''}`));
    }
    if (pre?.resourceVersion !== undefined && pre.resourceVersion !== om.resourceVersion) {
      return fail(conflict(info, name, `Precondition failed: ResourceVersion in precondition: ${pre.resourceVersion}, ResourceVersion in object meta: ${om.resourceVersion ?? ''}`));
    }
    const dryRun = (o.dryRun ?? []).includes('All');
    const next = structuredClone(old);
    const nm = meta(next);
    const finalizers = [...(nm.finalizers ?? [])];
    if (o.propagationPolicy === 'Orphan' && !finalizers.includes('orphan')) finalizers.push('orphan');
    if (o.propagationPolicy === 'Foreground' && !finalizers.includes('foregroundDeletion')) finalizers.push('foregroundDeletion');
    if (finalizers.length > 0) nm.finalizers = finalizers;
    const grace = info.resource === 'pods' ? podGracePeriod(old as Pod, o.gracePeriodSeconds) : 0;
    const key = objectKey(ns, name);
    if (nm.deletionTimestamp === undefined) {
      nm.deletionTimestamp = this.now(grace * 1000);
      nm.deletionGracePeriodSeconds = grace;
      if (GENERATION.has(info.resource)) nm.generation = (nm.generation ?? 0) + 1;
      if (info.resource === 'namespaces') ((next.status ??= {}) as { phase?: string }).phase = 'Terminating';
    } else if (info.resource === 'pods' && grace < (nm.deletionGracePeriodSeconds ?? 0)) {
      // A second delete may shorten a pod's grace period, never lengthen it.
      nm.deletionTimestamp = this.now(grace * 1000);
      nm.deletionGracePeriodSeconds = grace;
    }
    if (this.finished(info, next)) {
      if (dryRun) return ok(200, old);
      return ok(200, this.store.write(resourceId(info), key, 'DELETED', old.metadata?.deletionTimestamp === undefined ? old : next));
    }
    if (deepEqual(next, old)) return ok(200, old);
    if (dryRun) return ok(200, next);
    return ok(200, this.store.write(resourceId(info), key, 'MODIFIED', next));
  }

  /** The object as this resource's kind, whatever the body claimed. */
  private typed(info: ResourceInfo, input: KubeObject): KubeObject {
    const obj = structuredClone(input);
    obj.apiVersion = apiVersionOf(info);
    obj.kind = info.kind;
    return obj;
  }

  /** An object being deleted goes once no finalizer and no grace period holds it. */
  private finished(info: ResourceInfo, o: KubeObject): boolean {
    const m = meta(o);
    if (m.deletionTimestamp === undefined) return false;
    if ((m.finalizers ?? []).length > 0) return false;
    if ((m.deletionGracePeriodSeconds ?? 0) > 0) return false;
    if (info.resource === 'namespaces' && ((o.spec as { finalizers?: string[] } | undefined)?.finalizers ?? []).length > 0) return false;
    return true;
  }

  private namespaceAdmission(info: ResourceInfo, ns: string | undefined, name: string): StatusJson | undefined {
    if (!this.opts.namespaceLifecycle || !info.namespaced || ns === undefined) return undefined;
    const nsObj = this.store.get('/namespaces', ns);
    if (nsObj === undefined) return failureStatus(404, 'NotFound', `namespaces ${JSON.stringify(ns)} not found`, { name: ns, kind: 'namespaces' });
    if (nsObj.metadata?.deletionTimestamp !== undefined) {
      const s = forbidden(info, name, `unable to create new content in namespace ${ns} because it is being terminated`);
      s.details = { ...s.details, causes: [{ reason: 'NamespaceTerminating', message: `namespace ${ns} is being terminated`, field: 'metadata.namespace' }] };
      return s;
    }
    return undefined;
  }
}

function isObject(v: unknown): v is KubeObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function invalidField(info: ResourceInfo, name: string, field: string, detail: string): StatusJson {
  return toStatus(info, name, [{ type: 'FieldValueForbidden', field, detail }]) as StatusJson;
}

/** Pod strategy's graceful deletion: unscheduled or terminated pods go at once. */
function podGracePeriod(pod: Pod, requested: number | undefined): number {
  if (!pod.spec?.nodeName) return 0;
  const phase = pod.status?.phase;
  if (phase === 'Succeeded' || phase === 'Failed') return 0;
  const g = requested ?? pod.spec.terminationGracePeriodSeconds ?? 30;
  return Math.max(0, g);
}

/** What create strategies do to status: most reset it; a pod starts Pending with its QoS class. */
function resetStatusOnCreate(info: ResourceInfo, obj: KubeObject): void {
  if (!info.subresources.includes('status')) return;
  if (info.resource === 'pods') obj.status = { phase: 'Pending', qosClass: podQosClass((obj as Pod).spec) };
  else if (info.resource === 'nodes') return; // a kubelet registers its node with status
  else delete obj.status;
}
