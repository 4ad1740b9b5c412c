// Subresources: status, scale (as an autoscaling/v1 Scale), pods/binding, pods/eviction,
// namespaces/finalize, and the kubelet-backed pods/log, exec, attach, portforward, proxy.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { selectorFromLabelSelector } from '@kubemu/api';
import type { KubeObject, LabelSelector, Pod, ResourceInfo } from '@kubemu/api';
import type { Result, Scope } from '../registry/registry';
import { targetOf } from '../registry/registry';
import { mediaType, parseText, readBody } from './body';
import { proxyToKubelet } from './kubelet-proxy';
import type { UserInfo } from './extensions';
import type { HandlerDeps } from './resource-handler';
import { decodedBody, patchOrUnsupported, send, sendStatus } from './resource-handler';
import type { ResourceRequest } from './request-info';
import { STALE_OBJECT, badRequest, conflict, failure, isStatus, methodNotAllowed, success } from './status';

const SCALE_VERBS = new Set(['get', 'update', 'patch']);

export async function handleSubresource(deps: HandlerDeps, ri: ResourceRequest, info: ResourceInfo, scope: Scope, user: UserInfo, query: URLSearchParams, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const sub = ri.subresource;
  const dryRun = query.getAll('dryRun').includes('All');
  const reply = (r: Result): void => (isStatus(r) ? sendStatus(res, r) : send(res, r.code, r.object));
  if (!info.subresources.includes(sub as never)) {
    sendStatus(res, failure(404, 'NotFound', 'the server could not find the requested resource'));
    return;
  }
  switch (sub) {
    case 'status':
      if (ri.verb === 'get') return reply(await deps.registry.get(scope));
      if (ri.verb === 'update') {
        const body = await decodedBody(deps, info, req, query);
        if (isStatus(body.object)) return sendStatus(res, body.object);
        return reply(await deps.registry.update(scope, body.object, { dryRun, subresource: 'status', user }));
      }
      if (ri.verb === 'patch') {
        const patch = await readPatch(req);
        if (isStatus(patch)) return sendStatus(res, patch);
        const type = mediaType(req.headers['content-type']);
        return reply(await deps.registry.patch(scope, (cur) => patchOrUnsupported(deps, type, cur, patch, info), { dryRun, subresource: 'status', user }));
      }
      break;
    case 'scale':
      if (!SCALE_VERBS.has(ri.verb)) break;
      return reply(await scale(deps, ri, info, scope, req, dryRun, user));
    case 'binding':
      if (ri.verb !== 'create') break;
      return reply(await bind(deps, scope, req, dryRun, user));
    case 'eviction':
      if (ri.verb !== 'create') break;
      return reply(await evict(deps, scope, dryRun, user));
    case 'finalize':
      if (ri.verb !== 'update') break;
      return reply(await finalize(deps, scope, req, dryRun, user));
    case 'log':
    case 'exec':
    case 'attach':
    case 'portforward':
    case 'proxy':
      return proxyToKubelet(deps, scope, ri, query, req, res);
    default:
      break;
  }
  sendStatus(res, methodNotAllowed({ group: info.group, resource: `${info.resource}/${sub}`, name: ri.name }, ri.verb));
}

async function readPatch(req: IncomingMessage): Promise<unknown> {
  const raw = await readBody(req);
  if (isStatus(raw)) return raw;
  return parseText(raw, 'application/json');
}

function selectorString(obj: KubeObject): string {
  const spec = obj.spec as { selector?: LabelSelector | Record<string, string> } | undefined;
  const sel = spec?.selector;
  if (sel === undefined) return '';
  if (obj.kind === 'ReplicationController') {
    return Object.entries(sel as Record<string, string>).sort(([a], [b]) => (a < b ? -1 : 1)).map(([k, v]) => `${k}=${v}`).join(',');
  }
  return selectorFromLabelSelector(sel as LabelSelector).toString();
}

function toScale(obj: KubeObject): KubeObject {
  const meta = obj.metadata ?? {};
  const spec = obj.spec as { replicas?: number } | undefined;
  const status = obj.status as { replicas?: number } | undefined;
  return {
    kind: 'Scale',
    apiVersion: 'autoscaling/v1',
    metadata: { name: meta.name!, namespace: meta.namespace!, uid: meta.uid!, resourceVersion: meta.resourceVersion!, creationTimestamp: meta.creationTimestamp! },
    spec: { replicas: spec?.replicas ?? 0 },
    status: { replicas: status?.replicas ?? 0, selector: selectorString(obj) },
  };
}

async function scale(deps: HandlerDeps, ri: ResourceRequest, info: ResourceInfo, scope: Scope, req: IncomingMessage, dryRun: boolean, user: UserInfo): Promise<Result> {
  if (ri.verb === 'get') {
    const r = await deps.registry.get(scope);
    return isStatus(r) ? r : { code: 200, object: toScale(r.object) };
  }
  const raw = await readBody(req);
  if (isStatus(raw)) return raw;
  const type = mediaType(req.headers['content-type']);
  const body = parseText(raw, ri.verb === 'patch' ? 'application/json' : type);
  if (isStatus(body)) return body;
  const r = await deps.registry.patch(scope, (current) => {
    const before = toScale(current);
    let wanted: KubeObject;
    if (ri.verb === 'patch') {
      const patched = patchOrUnsupported(deps, type, before, body, { ...info, kind: 'Scale', group: 'autoscaling' });
      if (isStatus(patched)) return patched;
      wanted = patched;
    } else {
      wanted = body as KubeObject;
    }
    const rv = wanted.metadata?.resourceVersion;
    if (rv !== undefined && rv !== '' && rv !== current.metadata?.resourceVersion) return conflict(targetOf(scope), STALE_OBJECT);
    const replicas = (wanted.spec as { replicas?: unknown } | undefined)?.replicas;
    if (typeof replicas !== 'number' || !Number.isInteger(replicas) || replicas < 0) {
      return failure(422, 'Invalid', `Scale.autoscaling "${scope.name}" is invalid: spec.replicas: Invalid value: ${String(replicas)}: must be greater than or equal to 0`, {
        name: scope.name, group: 'autoscaling', kind: 'Scale', causes: [{ reason: 'FieldValueInvalid', message: `Invalid value: ${String(replicas)}: must be greater than or equal to 0`, field: 'spec.replicas' }],
      });
    }
    return { ...current, metadata: { ...current.metadata }, spec: { ...(current.spec as object), replicas } };
  }, { dryRun, user });
  return isStatus(r) ? r : { code: 200, object: toScale(r.object) };
}

async function bind(deps: HandlerDeps, scope: Scope, req: IncomingMessage, dryRun: boolean, user: UserInfo): Promise<Result> {
  const raw = await readBody(req);
  if (isStatus(raw)) return raw;
  const binding = parseText(raw, mediaType(req.headers['content-type']) || 'application/json');
  if (isStatus(binding)) return binding;
  const target = (binding as { target?: { kind?: string; name?: string } }).target;
  if (target?.name === undefined || target.name === '') return badRequest('Binding target name is required');
  if (target.kind !== undefined && target.kind !== '' && target.kind !== 'Node') return badRequest(`Binding target kind must be Node, not ${target.kind}`);
  // kube-apiserver's binding storage words its refusals for the pods/binding resource.
  const bindingTarget = { ...targetOf(scope), resource: 'pods/binding' };
  const r = await deps.registry.patch(scope, (current) => {
    // `current` is this attempt's own copy (see Mutation): changed in place.
    const pod = current as Pod;
    if (pod.metadata?.deletionTimestamp !== undefined) return conflict(bindingTarget, `pod ${scope.name} is being deleted, cannot be assigned to a host`);
    const assigned = pod.spec?.nodeName;
    if (assigned !== undefined && assigned !== '') return conflict(bindingTarget, `pod ${scope.name} is already assigned to node "${assigned}"`);
    pod.spec!.nodeName = target.name!;
    const status = (pod.status ??= {});
    const conditions = (status.conditions ?? []).filter((c) => c.type !== 'PodScheduled');
    conditions.push({ type: 'PodScheduled', status: 'True', lastProbeTime: null as never, lastTransitionTime: new Date(deps.clock.wallNow()).toISOString().replace(/\.\d+Z$/, 'Z') });
    status.conditions = conditions;
    return pod as KubeObject;
  }, { dryRun, subresource: 'binding', user });
  return isStatus(r) ? r : { code: 201, object: success() as unknown as KubeObject };
}

async function evict(deps: HandlerDeps, scope: Scope, dryRun: boolean, user: UserInfo): Promise<Result> {
  const r = await deps.registry.delete(scope, { dryRun, user });
  return isStatus(r) && r.status !== 'Success' ? r : { code: 201, object: success() as unknown as KubeObject };
}

async function finalize(deps: HandlerDeps, scope: Scope, req: IncomingMessage, dryRun: boolean, user: UserInfo): Promise<Result> {
  const raw = await readBody(req);
  if (isStatus(raw)) return raw;
  const body = parseText(raw, 'application/json');
  if (isStatus(body)) return body;
  const finalizers = ((body as KubeObject).spec as { finalizers?: string[] } | undefined)?.finalizers ?? [];
  return deps.registry.patch(scope, (current) => ({ ...current, spec: { ...(current.spec as object), finalizers } }), { dryRun, subresource: 'finalize', user });
}
