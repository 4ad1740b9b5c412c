// Deletion as Kubernetes does it: preconditions; namespaces go Terminating first; objects with
// finalizers (including the ones a propagation policy adds) get a deletionTimestamp and stay until
// the finalizers are gone; pods bound to a node get a grace period for the kubelet to stop them.
import type { KubeObject, Pod } from '@kubemu/api';
import type { Clock } from '@kubemu/base';
import { IMMORTAL_NAMESPACES } from '../admission/admission';
import { conflict, forbidden, notFound, success } from '../http/status';
import type { ApiStatus } from '../http/status';
import type { ObjectStore } from '../storage/object-store';
import { rfc3339 } from './meta';
import { releasesOf, storeKey, targetOf } from './scope';
import type { Result, Scope } from './scope';

export interface DeleteOptions {
  gracePeriodSeconds?: number;
  propagationPolicy?: 'Orphan' | 'Background' | 'Foreground';
  preconditions?: { uid?: string; resourceVersion?: string };
  dryRun: boolean;
}

const MAX_RETRIES = 5;

/** Resources whose DELETE answers with the object rather than a Status (pods: the kubelet's grace period). */
const RETURNS_OBJECT = new Set(['/pods', '/namespaces']);

export async function deleteObject(store: ObjectStore, clock: Clock, s: Scope, opts: DeleteOptions): Promise<Result> {
  const key = storeKey(s.info, s.namespace, s.name);
  const gr = `${s.info.group}/${s.info.resource}`;
  if (gr === '/namespaces' && IMMORTAL_NAMESPACES.has(s.name)) {
    return forbidden(targetOf(s), 'this namespace may not be deleted');
  }
  for (let attempt = 0; attempt < MAX_RETRIES; attempt++) {
    const current = await store.get(key);
    if (current === undefined) return notFound(targetOf(s));
    const obj = current.object;
    const meta = obj.metadata ?? {};
    const pre = opts.preconditions;
    if (pre?.uid !== undefined && pre.uid !== meta.uid) {
      return conflict(targetOf(s), `Precondition failed: UID in precondition: ${pre.uid}, UID in object meta: ${meta.uid ?? ''}`);
    }
    if (pre?.resourceVersion !== undefined && pre.resourceVersion !== meta.resourceVersion) {
      return conflict(targetOf(s), `Precondition failed: ResourceVersion in precondition: ${pre.resourceVersion}, ResourceVersion in meta: ${meta.resourceVersion ?? ''}`);
    }
    const pending = pendingDeletion(clock, s, obj, opts);
    if (pending === 'unchanged') return { code: 202, object: obj };
    if (pending !== undefined) {
      if (opts.dryRun) return { code: 202, object: pending };
      const res = await store.update(key, pending, current.revision);
      if (res.ok) return { code: 202, object: res.object };
      continue;
    }
    if (opts.dryRun) return deleted(s, obj);
    const res = await store.delete(key, current.revision, releasesOf(s, obj));
    if (res.ok) return deleted(s, { ...obj, metadata: { ...meta, resourceVersion: String(res.revision) } });
    if (res.why === 'not-found') return notFound(targetOf(s));
  }
  return conflict(targetOf(s), 'the object has been modified; please apply your changes to the latest version and try again');
}

/**
 * The object with its deletion recorded, when it may not go yet; 'unchanged' when it is already
 * on its way out; undefined when it can be removed now.
 */
function pendingDeletion(clock: Clock, s: Scope, obj: KubeObject, opts: DeleteOptions): KubeObject | 'unchanged' | undefined {
  const gr = `${s.info.group}/${s.info.resource}`;
  const meta = obj.metadata ?? {};
  const now = clock.wallNow();
  if (gr === '/namespaces') {
    const specFinalizers = (obj.spec as { finalizers?: string[] } | undefined)?.finalizers ?? [];
    if (meta.deletionTimestamp === undefined) {
      return { ...obj, metadata: { ...meta, deletionTimestamp: rfc3339(now) }, status: { ...(obj.status as object), phase: 'Terminating' } };
    }
    return specFinalizers.length > 0 || (meta.finalizers ?? []).length > 0 ? 'unchanged' : undefined;
  }
  const finalizers = [...(meta.finalizers ?? [])];
  if (meta.deletionTimestamp === undefined) {
    if (opts.propagationPolicy === 'Orphan' && !finalizers.includes('orphan')) finalizers.push('orphan');
    if (opts.propagationPolicy === 'Foreground' && !finalizers.includes('foregroundDeletion')) finalizers.push('foregroundDeletion');
  }
  if (finalizers.length > 0) {
    if (meta.deletionTimestamp !== undefined) return 'unchanged';
    return { ...obj, metadata: { ...meta, finalizers, deletionTimestamp: rfc3339(now), deletionGracePeriodSeconds: 0 } };
  }
  if (gr === '/pods') {
    const pod = obj as Pod;
    const phase = pod.status?.phase;
    const bound = pod.spec?.nodeName !== undefined && pod.spec.nodeName !== '';
    if (!bound || phase === 'Succeeded' || phase === 'Failed') return undefined;
    const grace = opts.gracePeriodSeconds ?? pod.spec?.terminationGracePeriodSeconds ?? 30;
    if (grace <= 0) return undefined;
    const existing = meta.deletionGracePeriodSeconds;
    if (meta.deletionTimestamp !== undefined && existing !== undefined && existing <= grace) return 'unchanged';
    return { ...obj, metadata: { ...meta, deletionTimestamp: rfc3339(now + grace * 1000), deletionGracePeriodSeconds: grace } };
  }
  return undefined;
}

function deleted(s: Scope, obj: KubeObject): Result {
  if (RETURNS_OBJECT.has(`${s.info.group}/${s.info.resource}`)) return { code: 200, object: obj };
  const details: NonNullable<ApiStatus['details']> = { name: s.name, kind: s.info.resource };
  if (s.info.group !== '') details.group = s.info.group;
  if (obj.metadata?.uid !== undefined) details.uid = obj.metadata.uid;
  return success(details);
}
