// PATCH and the subresources with their own behaviour: pods/binding (the scheduler's write),
// pods/eviction, and */scale (autoscaling/v1 Scale views of a workload).
import { applyPatch } from 'fast-json-patch';
import type { Operation } from 'fast-json-patch';
import { selectorFromLabelSelector } from '@kubemu/api';
import type { Binding, KubeObject, LabelSelector, Pod } from '@kubemu/api';
import { failureStatus } from '../api-error';
import type { StatusJson } from '../api-error';
import { PATCH_CONTENT_TYPES } from '../resource-client';
import type { FakeRequest, Route } from './fake-types';
import { badRequest, conflict, methodNotAllowed, notFound, pathNotFound, success } from './fake-errors';
import type { Answer, FakeRegistry } from './fake-registry';
import { objectKey, resourceId } from './fake-store';
import { applyMergePatch, applyStrategicMergePatch } from './strategic-merge';


const fail = (s: StatusJson): Answer => ({ status: s.code, body: s });

const UNSUPPORTED_PATCH =
  'the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml, application/strategic-merge-patch+json';

/** PATCH: applies the patch to the stored object, then goes through update (conflicts, status rules). */
export function patchObject(registry: FakeRegistry, r: FakeRequest, route: Route, dryRun: boolean): Answer {
  const { info, namespace: ns, name, subresource: sub } = route;
  if (name === undefined) return fail(methodNotAllowed());
  if (sub !== undefined && sub !== 'status') return fail(methodNotAllowed());
  const current = registry.get(info, ns, name);
  if (current.status !== 200) return current;
  const obj = current.body as KubeObject;
  const ctype = (r.contentType ?? '').split(';')[0]?.trim();
  let patched: unknown;
  try {
    if (ctype === PATCH_CONTENT_TYPES.json) {
      if (!Array.isArray(r.body)) return fail(badRequest('json patch must be a list of operations'));
      patched = applyPatch(structuredClone(obj), r.body as Operation[], true, false).newDocument;
    } else if (ctype === PATCH_CONTENT_TYPES.merge) patched = applyMergePatch(obj, r.body);
    else if (ctype === PATCH_CONTENT_TYPES.strategic) patched = applyStrategicMergePatch(obj, r.body);
    else return fail(failureStatus(415, 'UnsupportedMediaType', UNSUPPORTED_PATCH));
  } catch (err) {
    return fail(failureStatus(422, 'Invalid', `the server rejected our request due to an error in our request: ${(err as Error).message}`));
  }
  return registry.update(info, ns, name, patched, sub, dryRun);
}

export function applySubresource(registry: FakeRegistry, r: FakeRequest, route: Route): Answer {
  const { info, subresource: sub } = route;
  if (info.resource === 'pods' && sub === 'binding' && r.verb === 'create') return bind(registry, r, route);
  if (info.resource === 'pods' && sub === 'eviction' && r.verb === 'create') return evict(registry, r, route);
  if (sub === 'scale' && (r.verb === 'get' || r.verb === 'update')) return scale(registry, r, route);
  return fail(sub === undefined ? pathNotFound() : methodNotAllowed());
}

/** pods/binding: sets spec.nodeName once, with the PodScheduled condition; 409 if already bound. */
function bind(registry: FakeRegistry, r: FakeRequest, route: Route): Answer {
  const { info, namespace: ns, name } = route;
  const binding = r.body as Binding | undefined;
  const podName = binding?.metadata?.name ?? name ?? '';
  const node = binding?.target?.name;
  if (!node) return fail(badRequest('binding target must name a node'));
  const pod = registry.store.get(resourceId(info), objectKey(ns, podName)) as Pod | undefined;
  if (pod === undefined) return fail(notFound(info, podName));
  if (pod.metadata?.deletionTimestamp !== undefined) return fail(conflict(info, podName, `pod ${podName} is being deleted, cannot be assigned to a host`, 'binding'));
  if (pod.spec?.nodeName) return fail(conflict(info, podName, `pod ${podName} is already assigned to node ${JSON.stringify(pod.spec.nodeName)}`, 'binding'));
  const next = structuredClone(pod);
  (next.spec ??= { containers: [] }).nodeName = node;
  const status = (next.status ??= {});
  const conditions = (status.conditions ??= []);
  const existing = conditions.find((c) => c.type === 'PodScheduled');
  if (existing === undefined) conditions.push({ type: 'PodScheduled', status: 'True', lastTransitionTime: registry.now() });
  else if (existing.status !== 'True') Object.assign(existing, { status: 'True', lastTransitionTime: registry.now(), reason: undefined, message: undefined });
  registry.store.write(resourceId(info), objectKey(ns, podName), 'MODIFIED', next);
  return { status: 201, body: success(201) };
}

/** pods/eviction: deletes the pod with the eviction's delete options (PodDisruptionBudgets are not checked). */
function evict(registry: FakeRegistry, r: FakeRequest, route: Route): Answer {
  const { info, namespace: ns, name } = route;
  const opts = ((r.body as { deleteOptions?: object } | undefined)?.deleteOptions ?? {}) as Parameters<FakeRegistry['delete']>[3];
  const a = registry.delete(info, ns, name ?? '', opts);
  return a.status === 200 ? { status: 201, body: success(201) } : a;
}

function scaleOf(obj: KubeObject): KubeObject {
  const spec = (obj.spec ?? {}) as { replicas?: number; selector?: LabelSelector | Record<string, string> };
  const status = (obj.status ?? {}) as { replicas?: number };
  const sel = spec.selector;
  // ReplicationControllers select with a plain map; the others with a LabelSelector.
  const selector =
    sel === undefined ? '' : 'matchLabels' in sel || 'matchExpressions' in sel ? selectorFromLabelSelector(sel as LabelSelector).toString() : selectorFromLabelSelector({ matchLabels: sel as Record<string, string> }).toString();
  const m = obj.metadata ?? {};
  return {
    kind: 'Scale',
    apiVersion: 'autoscaling/v1',
    metadata: { name: m.name, namespace: m.namespace, uid: m.uid, resourceVersion: m.resourceVersion, creationTimestamp: m.creationTimestamp },
    spec: { replicas: spec.replicas ?? 0 },
    status: { replicas: status.replicas ?? 0, selector },
  };
}

function scale(registry: FakeRegistry, r: FakeRequest, route: Route): Answer {
  const { info, namespace: ns, name } = route;
  const current = registry.get(info, ns, name ?? '');
  if (current.status !== 200) return current;
  const obj = current.body as KubeObject;
  if (r.verb === 'get') return { status: 200, body: scaleOf(obj) };
  const body = r.body as KubeObject | undefined;
  const replicas = (body?.spec as { replicas?: number } | undefined)?.replicas;
  if (replicas === undefined || replicas < 0) return fail(badRequest('spec.replicas must be a non-negative integer'));
  const next = structuredClone(obj);
  (next.spec as { replicas?: number }).replicas = replicas;
  if (body?.metadata?.resourceVersion) (next.metadata ??= {}).resourceVersion = body.metadata.resourceVersion;
  const a = registry.update(info, ns, name ?? '', next, undefined, r.query.get('dryRun') === 'All');
  return a.status === 200 ? { status: 200, body: scaleOf(a.body as KubeObject) } : a;
}
