// The REST verbs of every resource: parse the query, decode the body, call the registry, encode the
// answer (JSON or a Table). Special resources (reviews, events) and subresources are routed to
// their own handlers first.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { KubeObject, ResourceInfo } from '@kubemu/api';
import type { Clock } from '@kubemu/base';
import { makePredicate } from '../registry/predicate';
import type { DeleteOptions } from '../registry/deletion';
import { listObjects } from '../registry/list';
import type { Registry, Result, Scope } from '../registry/registry';
import type { WatchCache } from '../storage/watch-cache';
import { decodeObject, mediaType, parseText, readBody } from './body';
import type { Extensions, UserInfo } from './extensions';
import type { ResourceRequest } from './request-info';
import { badRequest, failure, isStatus, methodNotAllowed } from './status';
import type { ApiStatus } from './status';
import { conversionFor } from './conversion';
import type { Conversion } from './conversion';
import { pruneUnknownFields } from './prune';
import { serveWatch } from './watch';
import { chunkedSink } from './watch-sinks';
import { handleSubresource } from './subresources';
import { decodeBodyTimes, decodePatchedTimes } from './time-fields';

export interface HandlerDeps {
  registry: Registry;
  caches: { get(info: ResourceInfo): WatchCache };
  clock: Clock;
  ext: Extensions;
  /** Resources served by something other than the generic registry (events, reviews). */
  special?(ri: ResourceRequest, user: UserInfo, req: IncomingMessage, res: ServerResponse): Promise<boolean>;
}

export function send(res: ServerResponse, code: number, body: unknown, headers: Record<string, string> = {}): void {
  if (res.headersSent) return;
  const text = JSON.stringify(body);
  res.writeHead(code, { 'Content-Type': 'application/json', 'Cache-Control': 'no-cache, private', ...headers });
  res.end(text);
}

export function sendStatus(res: ServerResponse, s: ApiStatus): void {
  send(res, s.code, s);
}

function wantsTable(accept: string | undefined): 'None' | 'Object' | 'Metadata' | undefined {
  if (accept === undefined || !accept.includes('as=Table')) return undefined;
  return 'None';
}

function intParam(q: URLSearchParams, name: string): number | undefined {
  const v = q.get(name);
  if (v === null || v === '') return undefined;
  const n = Number(v);
  return Number.isFinite(n) ? n : undefined;
}

export async function handleResource(deps: HandlerDeps, ri: ResourceRequest, user: UserInfo, query: URLSearchParams, req: IncomingMessage, res: ServerResponse): Promise<void> {
  if (deps.special !== undefined && (await deps.special(ri, user, req, res))) return;
  const info = ri.info;
  if (info === undefined) {
    sendStatus(res, failure(404, 'NotFound', 'the server could not find the requested resource', { kind: ri.resource, ...(ri.group === '' ? {} : { group: ri.group }) }));
    return;
  }
  const conv = conversionFor(info);
  if (conv !== undefined && ri.subresource === '') return handleConverted(deps, ri, info, conv, user, query, req, res);
  const scope: Scope = { info, namespace: ri.namespace, name: ri.name };
  if (ri.subresource !== '') {
    await handleSubresource(deps, ri, info, scope, user, query, req, res);
    return;
  }
  if (!info.verbs.includes(ri.verb as never)) {
    sendStatus(res, methodNotAllowed({ group: info.group, resource: info.resource, name: ri.name }, ri.verb));
    return;
  }
  const dryRun = query.getAll('dryRun').includes('All');
  const table = wantsTable(req.headers.accept);
  const includeObject = (query.get('includeObject') as 'None' | 'Object' | 'Metadata' | null) ?? 'Metadata';
  const reply = (r: Result, headers: Record<string, string> = {}): void => {
    if (isStatus(r)) return sendStatus(res, r);
    if (table !== undefined && deps.ext.toTable !== undefined && (ri.verb === 'get' || ri.verb === 'list')) {
      const items = ri.verb === 'list' ? ((r.object.items as KubeObject[] | undefined) ?? []) : [r.object];
      send(res, r.code, deps.ext.toTable(info, items, includeObject, ri.verb === 'list' ? (r.object.metadata as object) : undefined), headers);
      return;
    }
    send(res, r.code, r.object, headers);
  };

  switch (ri.verb) {
    case 'get':
      return reply(await deps.registry.get(scope));
    case 'list': {
      const pred = makePredicate(info, ri.namespace, query.get('labelSelector') ?? undefined, query.get('fieldSelector') ?? undefined);
      if (isStatus(pred)) return sendStatus(res, pred);
      const cache = deps.caches.get(info);
      return reply(
        await listObjects(deps.registry.store, cache, info, pred, {
          ...optional('limit', intParam(query, 'limit')),
          ...optional('continueToken', query.get('continue') ?? undefined),
          ...optional('resourceVersion', query.get('resourceVersion') ?? undefined),
          ...optional('resourceVersionMatch', query.get('resourceVersionMatch') ?? undefined),
        }),
      );
    }
    case 'watch': {
      const pred = makePredicate(info, ri.namespace, query.get('labelSelector') ?? undefined, query.get('fieldSelector') ?? undefined);
      if (isStatus(pred)) return sendStatus(res, pred);
      if (ri.name !== '') {
        // A watch on one object is a watch with a metadata.name field selector.
        const one = makePredicate(info, ri.namespace, query.get('labelSelector') ?? undefined, `metadata.name=${ri.name}`);
        if (isStatus(one)) return sendStatus(res, one);
        return watch(deps, info, one, query, req, res, table);
      }
      return watch(deps, info, pred, query, req, res, table);
    }
    case 'create': {
      const body = await decodedBody(deps, info, req, query);
      if (isStatus(body.object)) return sendStatus(res, body.object);
      return reply(await deps.registry.create(scope, body.object, { dryRun, user }), body.warnings);
    }
    case 'update': {
      const body = await decodedBody(deps, info, req, query);
      if (isStatus(body.object)) return sendStatus(res, body.object);
      return reply(await deps.registry.update(scope, body.object, { dryRun, user }), body.warnings);
    }
    case 'patch': {
      const patch = await patchBody(req);
      if (isStatus(patch)) return sendStatus(res, patch);
      const type = mediaType(req.headers['content-type']);
      const validation = query.get('fieldValidation') ?? 'Warn';
      return reply(await deps.registry.patch(scope, (current) => checkedPatch(deps, type, current, patch, info, validation), { dryRun, user }));
    }
    case 'delete': {
      const opts = await deleteOptions(req, query, dryRun);
      if (isStatus(opts)) return sendStatus(res, opts);
      return reply(await deps.registry.delete(scope, { ...opts, user }));
    }
    case 'deletecollection': {
      const pred = makePredicate(info, ri.namespace, query.get('labelSelector') ?? undefined, query.get('fieldSelector') ?? undefined);
      if (isStatus(pred)) return sendStatus(res, pred);
      const opts = await deleteOptions(req, query, dryRun);
      if (isStatus(opts)) return sendStatus(res, opts);
      const listed = await listObjects(deps.registry.store, undefined, info, pred, {});
      if (isStatus(listed)) return sendStatus(res, listed);
      const deleted: KubeObject[] = [];
      for (const item of (listed.object.items as KubeObject[]) ?? []) {
        const r = await deps.registry.delete({ info, namespace: item.metadata?.namespace ?? '', name: item.metadata?.name ?? '' }, { ...opts, user });
        if (!isStatus(r) || r.status === 'Success') deleted.push(item);
      }
      return reply({ code: 200, object: { ...listed.object, items: deleted } });
    }
    default:
      return sendStatus(res, methodNotAllowed({ group: info.group, resource: info.resource }, ri.verb));
  }
}

function optional<K extends string, V>(key: K, v: V | undefined): { [P in K]?: V } {
  return (v === undefined ? {} : { [key]: v }) as { [P in K]?: V };
}

export async function decodedBody(deps: HandlerDeps, info: ResourceInfo, req: IncomingMessage, query: URLSearchParams): Promise<{ object: KubeObject | ApiStatus; warnings: Record<string, string> }> {
  const raw = await readBody(req);
  if (isStatus(raw)) return { object: raw, warnings: {} };
  const decoded = decodeObject(raw, req.headers['content-type'], deps.ext.decodeProtobuf);
  if (isStatus(decoded)) return { object: decoded, warnings: {} };
  const apiVersion = info.group === '' ? info.version : `${info.group}/${info.version}`;
  if (decoded.kind !== undefined && decoded.kind !== '' && decoded.kind !== info.kind) {
    return { object: badRequest(`${decoded.kind} in version "${info.version}" cannot be handled as a ${info.kind}: no kind "${decoded.kind}" is registered for version "${apiVersion}" in scheme "k8s.io/kubernetes/pkg/api/legacyscheme/scheme.go:30"`), warnings: {} };
  }
  if (decoded.apiVersion !== undefined && decoded.apiVersion !== '' && decoded.apiVersion !== apiVersion) {
    return { object: badRequest(`the API version in the data (${decoded.apiVersion}) does not match the expected API version (${apiVersion})`), warnings: {} };
  }
  const type = mediaType(req.headers['content-type']);
  // Timestamps fail the decode itself, so before the strict decoder's complaints; a protobuf body
  // carries them as seconds and nanoseconds, with nothing to parse.
  const object = type === 'application/vnd.kubernetes.protobuf' ? decoded : decodeBodyTimes(decoded, info);
  if (isStatus(object)) return { object, warnings: {} };
  const validation = query.get('fieldValidation') ?? 'Warn';
  if (deps.ext.strictErrors !== undefined && validation !== 'Ignore') {
    const rawJson = type === 'application/json' || type === '' ? raw.toString('utf8') : JSON.stringify(object);
    const errors = deps.ext.strictErrors(rawJson, info);
    if (errors.length > 0) {
      if (validation === 'Strict') return { object: deps.ext.strictStatus!(info, errors), warnings: {} };
      const warnings: Record<string, string> = validation === 'Warn' ? { Warning: errors.map((e) => `299 - ${JSON.stringify(e)}`).join(', ') } : {};
      return { object: pruneUnknownFields(object, errors), warnings };
    }
  }
  return { object, warnings: {} };
}

async function patchBody(req: IncomingMessage): Promise<unknown> {
  const raw = await readBody(req);
  if (isStatus(raw)) return raw;
  const type = mediaType(req.headers['content-type']);
  return parseText(raw, type === 'application/apply-patch+yaml' ? 'application/yaml' : 'application/json');
}

export function patchOrUnsupported(deps: HandlerDeps, type: string, current: KubeObject, patch: unknown, info: ResourceInfo): KubeObject | ApiStatus {
  const r = deps.ext.applyPatch(type, current, patch, info);
  if (r !== undefined) return isStatus(r) ? r : decodePatchedTimes(r, info, type, patch);
  return failure(415, 'UnsupportedMediaType', `the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml, application/strategic-merge-patch+json`);
}

/** A patch result held to the schema like a body: unknown fields refused (Strict) or dropped. */
function checkedPatch(deps: HandlerDeps, type: string, current: KubeObject, patch: unknown, info: ResourceInfo, validation: string): KubeObject | ApiStatus {
  const next = patchOrUnsupported(deps, type, current, patch, info);
  if (isStatus(next) || deps.ext.strictErrors === undefined || validation === 'Ignore') return next;
  const errors = deps.ext.strictErrors(JSON.stringify(next), info);
  if (errors.length === 0) return next;
  if (validation === 'Strict') return deps.ext.strictStatus!(info, errors);
  return pruneUnknownFields(next, errors);
}

async function deleteOptions(req: IncomingMessage, query: URLSearchParams, dryRun: boolean): Promise<DeleteOptions | ApiStatus> {
  const raw = await readBody(req);
  if (isStatus(raw)) return raw;
  let body: { gracePeriodSeconds?: number; propagationPolicy?: string; preconditions?: { uid?: string; resourceVersion?: string }; dryRun?: string[]; orphanDependents?: boolean } = {};
  if (raw.length > 0) {
    const parsed = parseText(raw, 'application/json');
    if (isStatus(parsed)) return parsed;
    body = parsed as typeof body;
  }
  const opts: DeleteOptions = { dryRun: dryRun || (body.dryRun ?? []).includes('All') };
  const grace = intParam(query, 'gracePeriodSeconds') ?? body.gracePeriodSeconds;
  if (grace !== undefined) opts.gracePeriodSeconds = grace;
  const policy = query.get('propagationPolicy') ?? body.propagationPolicy ?? (body.orphanDependents === true ? 'Orphan' : undefined);
  if (policy !== undefined) {
    if (policy !== 'Orphan' && policy !== 'Background' && policy !== 'Foreground') return badRequest(`DeleteOptions.meta.k8s.io "" is invalid: propagationPolicy: Unsupported value: "${policy}": supported values: "Foreground", "Background", "Orphan", "nil"`);
    opts.propagationPolicy = policy;
  }
  if (body.preconditions !== undefined) opts.preconditions = body.preconditions;
  return opts;
}

async function watch(deps: HandlerDeps, info: ResourceInfo, pred: Exclude<ReturnType<typeof makePredicate>, ApiStatus>, query: URLSearchParams, req: IncomingMessage, res: ServerResponse, table: string | undefined): Promise<void> {
  const timeout = intParam(query, 'timeoutSeconds') ?? 1800 + Math.floor(Math.random() * 1800);
  const sink = chunkedSink(res);
  const toTable = deps.ext.toTable;
  const render = table !== undefined && toTable !== undefined ? (obj: KubeObject): unknown => toTable(info, [obj], 'Object') : undefined;
  await serveWatch(deps.registry.store, deps.caches.get(info), deps.clock, {
    info,
    pred,
    resourceVersion: query.get('resourceVersion') ?? undefined,
    timeoutSeconds: timeout,
    allowBookmarks: query.get('allowWatchBookmarks') === 'true',
    ...(render === undefined ? {} : { render }),
  }, sink);
}

/**
 * A resource served in a version other than the one stored: the same verbs, with bodies converted
 * up before the registry sees them and every object converted down on the way out.
 */
async function handleConverted(deps: HandlerDeps, ri: ResourceRequest, served: ResourceInfo, conv: Conversion, user: UserInfo, query: URLSearchParams, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const info = conv.storage;
  const scope: Scope = { info, namespace: ri.namespace, name: ri.name };
  const dryRun = query.getAll('dryRun').includes('All');
  const down = (o: KubeObject): KubeObject => (o.kind === 'Status' ? o : conv.down(o));
  const reply = (r: Result): void => {
    if (isStatus(r)) return sendStatus(res, r);
    if (ri.verb === 'list' || ri.verb === 'deletecollection') {
      const items = ((r.object.items as KubeObject[] | undefined) ?? []).map((o) => conv.down({ ...o, apiVersion: 'x', kind: info.kind }));
      const list = { ...r.object, apiVersion: served.group === '' ? served.version : `${served.group}/${served.version}`, items: items.map(({ apiVersion: _a, kind: _k, ...rest }) => rest) };
      return send(res, r.code, list);
    }
    send(res, r.code, down(r.object));
  };
  const pred = makePredicate(info, ri.namespace, query.get('labelSelector') ?? undefined, query.get('fieldSelector') ?? undefined);
  if (isStatus(pred)) return sendStatus(res, pred);
  switch (ri.verb) {
    case 'get':
      return reply(await deps.registry.get(scope));
    case 'list':
      return reply(await listObjects(deps.registry.store, deps.caches.get(info), info, pred, {
        ...optional('limit', intParam(query, 'limit')),
        ...optional('continueToken', query.get('continue') ?? undefined),
        ...optional('resourceVersion', query.get('resourceVersion') ?? undefined),
      }));
    case 'watch':
      await serveWatch(deps.registry.store, deps.caches.get(info), deps.clock, {
        info,
        pred: ri.name === '' ? pred : (makePredicate(info, ri.namespace, undefined, `metadata.name=${ri.name}`) as Exclude<typeof pred, ApiStatus>),
        resourceVersion: query.get('resourceVersion') ?? undefined,
        timeoutSeconds: intParam(query, 'timeoutSeconds') ?? 1800,
        allowBookmarks: query.get('allowWatchBookmarks') === 'true',
        render: (o) => down(o),
      }, chunkedSink(res));
      return;
    case 'create':
    case 'update': {
      const body = await decodedBody(deps, served, req, query);
      if (isStatus(body.object)) return sendStatus(res, body.object);
      const bodyObject = body.object;
      if (ri.verb === 'create') return reply(await deps.registry.create(scope, conv.up(bodyObject), { dryRun, user }));
      const stored = await deps.registry.get(scope);
      return reply(await deps.registry.update(scope, conv.up(bodyObject, isStatus(stored) ? undefined : stored.object), { dryRun, user }));
    }
    case 'patch': {
      const patch = await patchBody(req);
      if (isStatus(patch)) return sendStatus(res, patch);
      const type = mediaType(req.headers['content-type']);
      return reply(await deps.registry.patch(scope, (current) => {
        const patched = patchOrUnsupported(deps, type, conv.down(current), patch, served);
        return isStatus(patched) ? patched : conv.up(patched, current);
      }, { dryRun, user }));
    }
    case 'delete': {
      const opts = await deleteOptions(req, query, dryRun);
      if (isStatus(opts)) return sendStatus(res, opts);
      return reply(await deps.registry.delete(scope, { ...opts, user }));
    }
    default:
      return sendStatus(res, methodNotAllowed({ group: served.group, resource: served.resource }, ri.verb));
  }
}
