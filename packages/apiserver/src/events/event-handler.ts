// The HTTP side of core/v1 Events when they live in NATS: a HandlerDeps.special hook that answers
// every verb on /api/v1/[namespaces/<ns>/]events[/<name>] and leaves every other request alone.
// Request decoding, patching, Table output and the watch stream are the generic handler's own.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { KubeObject } from '@kubemu/api';
import type { Clock } from '@kubemu/base';
import { mediaType, parseText, readBody } from '../http/body';
import type { UserInfo } from '../http/extensions';
import type { ResourceRequest } from '../http/request-info';
import { decodedBody, patchOrUnsupported, send, sendStatus } from '../http/resource-handler';
import type { HandlerDeps } from '../http/resource-handler';
import { badRequest, failure, isStatus, methodNotAllowed } from '../http/status';
import type { ApiStatus } from '../http/status';
import type { WatchSink } from '../http/watch';
import { chunkedSink } from '../http/watch-sinks';
import type { DeleteOptions } from '../registry/deletion';
import { makePredicate } from '../registry/predicate';
import type { Result } from '../registry/registry';
import type { EventBucket } from './event-bucket';
import { listEvents, matchingEvents } from './event-list';
import { EVENTS } from './event-registry';
import type { EventRegistry } from './event-registry';
import { watchEvents } from './event-watch';
import type { NatsLink } from './nats-link';

export type SpecialHandler = NonNullable<HandlerDeps['special']>;

export interface EventHandlerDeps {
  events: EventRegistry;
  bucket: EventBucket;
  link: NatsLink;
  clock: Clock;
  /** The generic handler's dependencies (extensions for decoding, patches and tables). */
  handler: HandlerDeps;
}

/** Tries each hook in turn; the first that answers wins. */
export function composeSpecial(...hooks: (SpecialHandler | undefined)[]): SpecialHandler {
  return async (ri, user, req, res) => {
    for (const h of hooks) if (h !== undefined && (await h(ri, user, req, res))) return true;
    return false;
  };
}

export function eventsHandler(deps: EventHandlerDeps): SpecialHandler {
  return async (ri: ResourceRequest, _user: UserInfo, req: IncomingMessage, res: ServerResponse): Promise<boolean> => {
    if (ri.group !== '' || ri.version !== 'v1' || ri.resource !== 'events') return false;
    if (ri.subresource !== '') {
      sendStatus(res, failure(404, 'NotFound', 'the server could not find the requested resource'));
      return true;
    }
    await serve(deps, ri, new URL(req.url ?? '/', 'http://apiserver').searchParams, req, res);
    return true;
  };
}

function intParam(q: URLSearchParams, name: string): number | undefined {
  const v = q.get(name);
  if (v === null || v === '') return undefined;
  const n = Number(v);
  return Number.isFinite(n) ? n : undefined;
}

async function serve(deps: EventHandlerDeps, ri: ResourceRequest, query: URLSearchParams, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const { events } = deps;
  const ext = deps.handler.ext;
  const ns = ri.namespace;
  const dryRun = query.getAll('dryRun').includes('All');
  const table = req.headers.accept?.includes('as=Table') === true && ext.toTable !== undefined;
  // kube-apiserver's default is Metadata: kubectl get -A reads each row's namespace from it.
  const includeObject = (query.get('includeObject') as 'None' | 'Object' | 'Metadata' | null) ?? 'Metadata';
  const reply = (r: Result, headers: Record<string, string> = {}): void => {
    if (isStatus(r)) return sendStatus(res, r);
    if (table && (ri.verb === 'get' || ri.verb === 'list')) {
      const items = ri.verb === 'list' ? ((r.object.items as KubeObject[] | undefined) ?? []) : [r.object];
      send(res, r.code, ext.toTable!(EVENTS, items, includeObject, ri.verb === 'list' ? (r.object.metadata as object) : undefined), headers);
      return;
    }
    send(res, r.code, r.object, headers);
  };
  const selector = (fieldSelector: string | undefined) => makePredicate(EVENTS, ns, query.get('labelSelector') ?? undefined, fieldSelector);

  switch (ri.verb) {
    case 'get':
      return reply(await events.get(ns, ri.name));
    case 'list': {
      const pred = selector(query.get('fieldSelector') ?? undefined);
      if (isStatus(pred)) return sendStatus(res, pred);
      return reply(await listEvents(deps.bucket, pred, { ...optional('limit', intParam(query, 'limit')), ...optional('continueToken', query.get('continue') ?? undefined) }));
    }
    case 'watch': {
      // A watch on one Event is a watch with a metadata.name field selector.
      const pred = selector(ri.name === '' ? (query.get('fieldSelector') ?? undefined) : `metadata.name=${ri.name}`);
      if (isStatus(pred)) return sendStatus(res, pred);
      const render = (obj: KubeObject): unknown => (table ? ext.toTable!(EVENTS, [obj], 'Object') : obj);
      const failed = await watchEvents(
        { bucket: deps.bucket, link: deps.link, clock: deps.clock },
        {
          pred,
          resourceVersion: query.get('resourceVersion') ?? undefined,
          timeoutSeconds: intParam(query, 'timeoutSeconds') ?? 1800 + Math.floor(Math.random() * 1800),
          allowBookmarks: query.get('allowWatchBookmarks') === 'true',
          render,
        },
        () => closingSink(res),
      );
      if (failed !== undefined) sendStatus(res, failed);
      return;
    }
    case 'create': {
      const body = await decodedBody(deps.handler, EVENTS, req, query);
      if (isStatus(body.object)) return sendStatus(res, body.object);
      return reply(await events.create(ns, body.object, { dryRun }), body.warnings);
    }
    case 'update': {
      const body = await decodedBody(deps.handler, EVENTS, req, query);
      if (isStatus(body.object)) return sendStatus(res, body.object);
      return reply(await events.update(ns, ri.name, body.object, { dryRun }), body.warnings);
    }
    case 'patch': {
      const raw = await readBody(req);
      if (isStatus(raw)) return sendStatus(res, raw);
      const type = mediaType(req.headers['content-type']);
      const patch = parseText(raw, type === 'application/apply-patch+yaml' ? 'application/yaml' : 'application/json');
      if (isStatus(patch)) return sendStatus(res, patch);
      return reply(await events.patch(ns, ri.name, (current) => patchOrUnsupported(deps.handler, type, current, patch, EVENTS), { dryRun }));
    }
    case 'delete': {
      const opts = await deleteOptions(req, query, dryRun);
      if (isStatus(opts)) return sendStatus(res, opts);
      return reply(await events.delete(ns, ri.name, opts));
    }
    case 'deletecollection': {
      const pred = selector(query.get('fieldSelector') ?? undefined);
      if (isStatus(pred)) return sendStatus(res, pred);
      const opts = await deleteOptions(req, query, dryRun);
      if (isStatus(opts)) return sendStatus(res, opts);
      const listed = await matchingEvents(deps.bucket, pred);
      if (isStatus(listed)) return sendStatus(res, listed);
      const deleted: KubeObject[] = [];
      for (const item of listed.items) {
        const r = await events.delete(item.metadata?.namespace ?? '', item.metadata?.name ?? '', opts);
        if (isStatus(r) && r.code === 503) return sendStatus(res, r);
        if (!isStatus(r) || r.status === 'Success') deleted.push(item);
      }
      return send(res, 200, { kind: EVENTS.listKind, apiVersion: 'v1', metadata: { resourceVersion: String(listed.revision) }, items: deleted });
    }
    default:
      return sendStatus(res, methodNotAllowed({ group: '', resource: 'events' }, ri.verb));
  }
}

/** The chunked sink, also told when the client left while the watch was being set up. */
function closingSink(res: ServerResponse): WatchSink {
  const sink = chunkedSink(res);
  return {
    send: (type, object) => sink.send(type, object),
    close: () => sink.close(),
    onClose(cb) {
      if (res.destroyed || res.closed) cb();
      else sink.onClose(cb);
    },
  };
}

function optional<K extends string, V>(key: K, v: V | undefined): { [P in K]?: V } {
  return (v === undefined ? {} : { [key]: v }) as { [P in K]?: V };
}

/** DeleteOptions from the query and the body, as the generic handler reads them. */
async function deleteOptions(req: IncomingMessage, query: URLSearchParams, dryRun: boolean): Promise<DeleteOptions | ApiStatus> {
  const raw = await readBody(req);
  if (isStatus(raw)) return raw;
  let body: { preconditions?: { uid?: string; resourceVersion?: string }; dryRun?: string[]; propagationPolicy?: string } = {};
  if (raw.length > 0) {
    const parsed = parseText(raw, 'application/json');
    if (isStatus(parsed)) return parsed;
    body = parsed as typeof body;
  }
  const opts: DeleteOptions = { dryRun: dryRun || (body.dryRun ?? []).includes('All') };
  const grace = intParam(query, 'gracePeriodSeconds');
  if (grace !== undefined) opts.gracePeriodSeconds = grace;
  const policy = query.get('propagationPolicy') ?? body.propagationPolicy;
  if (policy !== undefined && policy !== 'Orphan' && policy !== 'Background' && policy !== 'Foreground') {
    return badRequest(`DeleteOptions.meta.k8s.io "" is invalid: propagationPolicy: Unsupported value: "${policy}": supported values: "Foreground", "Background", "Orphan", "nil"`);
  }
  if (body.preconditions !== undefined) opts.preconditions = body.preconditions;
  return opts;
}
