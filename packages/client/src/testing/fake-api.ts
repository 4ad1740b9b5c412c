// FakeApiServer: an in-memory Kubernetes API behind the same Transport interface HttpTransport
// implements, so RestClient, ResourceClient, Reflector and informers run over it unchanged.
// Tests of controllers, schedulers and kubelets use it as their apiserver: seed objects, run the
// component, then assert on objects and on the requests it made. Failures can be injected per
// verb/resource (a Status answer, a refused connection, a request that hangs), watches can be
// closed, broken or expired (compact), and bookmarks sent on demand.
import { ManualClock, SeededRng } from '@kubemu/base';
import type { Clock, Rng } from '@kubemu/base';
import { findResource, resourceForKind } from '@kubemu/api';
import type { KubeObject, ResourceInfo } from '@kubemu/api';
import { ConnectionError, failureStatus } from '../api-error';
import type { StatusJson } from '../api-error';
import type { ResourceSpec } from '../resource-client';
import { RestClient } from '../rest-client';
import type { RestClientOptions } from '../rest-client';
import type { HttpMethod, Transport, TransportRequest, TransportResponse, TransportStream } from '../transport';
import { AsyncQueue } from './async-queue';
import { badRequest, methodNotAllowed, pathNotFound } from './fake-errors';
import { WatchHub, compileFilter, listObjects } from './fake-list-watch';
import { FakeRegistry } from './fake-registry';
import type { Answer, DeleteOptionsJson } from './fake-registry';
import { FakeStore, objectKey, resourceId } from './fake-store';
import { applySubresource, patchObject } from './fake-subresources';
import type { FakeRequest, Route, Verb } from './fake-types';

export type { FakeRequest, Verb } from './fake-types';

export interface FailureRule {
  verb?: Verb;
  /** Plural resource name: pods, leases. */
  resource?: string;
  subresource?: string;
  namespace?: string;
  name?: string;
  /** How many matching requests fail (default 1; Infinity for all until removed). */
  times?: number;
  /** Answer with this HTTP code (reason and message default from the code). */
  code?: number;
  reason?: string;
  message?: string;
  /** Adds a Retry-After header and details.retryAfterSeconds. */
  retryAfterSeconds?: number;
  /** Instead of an answer: 'connection' rejects as a refused connection; 'hang' never answers until aborted. */
  error?: 'connection' | 'hang';
}

export interface FakeApiServerOptions {
  clock?: Clock;
  rng?: Rng;
  /** Defaulting and validation from @kubemu/api on create and update (default true). */
  validate?: boolean;
  /** Refuse creates in missing or terminating namespaces (default false). */
  namespaceLifecycle?: boolean;
}

const REASONS: Record<number, string> = { 400: 'BadRequest', 403: 'Forbidden', 404: 'NotFound', 409: 'Conflict', 410: 'Gone', 422: 'Invalid', 429: 'TooManyRequests', 500: 'InternalError', 503: 'ServiceUnavailable', 504: 'Timeout' };


export class FakeApiServer implements Transport {
  readonly clock: Clock;
  readonly store = new FakeStore();
  readonly registry: FakeRegistry;
  readonly requests: FakeRequest[] = [];
  private readonly hub: WatchHub;
  private readonly rules: { rule: FailureRule; left: number }[] = [];
  private available = true;

  constructor(opts: FakeApiServerOptions = {}) {
    this.clock = opts.clock ?? new ManualClock();
    this.registry = new FakeRegistry(this.store, {
      clock: this.clock,
      rng: opts.rng ?? new SeededRng(1),
      validate: opts.validate ?? true,
      namespaceLifecycle: opts.namespaceLifecycle ?? false,
    });
    this.hub = new WatchHub(this.store, this.clock);
  }

  /** A RestClient over this fake; no client-side rate limit unless asked (qps). */
  client(opts: Partial<RestClientOptions> = {}): RestClient {
    return new RestClient({ transport: this, clock: this.clock, qps: 0, ...opts });
  }

  // ---- test controls ------------------------------------------------------------------------

  /** Stores objects as given (status included), bypassing validation; kind and apiVersion pick the resource. */
  seed(...objs: KubeObject[]): KubeObject[] {
    return objs.map((o) => this.registry.seed(this.resourceOf(o), o));
  }

  /** The stored object, or undefined. */
  object<T extends KubeObject = KubeObject>(spec: ResourceSpec, namespace: string | undefined, name: string): T | undefined {
    return this.store.get(resourceId(spec), objectKey(spec.namespaced ? namespace : undefined, name)) as T | undefined;
  }

  /** Stored objects of a resource, in one namespace or all. */
  objects<T extends KubeObject = KubeObject>(spec: ResourceSpec, namespace?: string): T[] {
    return this.store.list(resourceId(spec), spec.namespaced ? namespace : undefined) as T[];
  }

  /** The current resourceVersion. */
  get resourceVersion(): number {
    return this.store.resourceVersion;
  }

  /** Makes watches and exact lists from versions before `rv` (default: now) fail with 410 Expired. */
  compact(rv?: number): void {
    this.store.compact(rv);
  }

  injectFailure(rule: FailureRule): { remove(): void } {
    const entry = { rule, left: rule.times ?? 1 };
    this.rules.push(entry);
    return {
      remove: () => {
        const i = this.rules.indexOf(entry);
        if (i >= 0) this.rules.splice(i, 1);
      },
    };
  }

  /** While false, every request fails as a refused connection and open watches break. */
  setAvailable(up: boolean): void {
    this.available = up;
    if (!up) this.hub.closeAll(undefined, new ConnectionError('connection reset by peer (fake apiserver down)'));
  }

  /** Ends open watches cleanly, as the server's timeout does. */
  closeWatches(resource?: string): void {
    this.hub.closeAll(resource);
  }

  /** Breaks open watches mid-stream, as a dropped connection does. */
  breakWatches(resource?: string): void {
    this.hub.closeAll(resource, new ConnectionError('connection reset by peer (injected)'));
  }

  /** Sends a BOOKMARK with the current resourceVersion to watches that allow bookmarks. */
  bookmark(): void {
    this.hub.bookmark();
  }

  watchCount(resource?: string): number {
    return this.hub.count(resource);
  }

  /** Recorded requests, filtered. */
  actions(filter: Partial<Pick<FakeRequest, 'verb' | 'resource' | 'namespace' | 'name' | 'subresource'>> = {}): FakeRequest[] {
    return this.requests.filter((r) => Object.entries(filter).every(([k, v]) => r[k as keyof FakeRequest] === v));
  }

  // ---- Transport --------------------------------------------------------------------------------

  async request(req: TransportRequest): Promise<TransportResponse> {
    const pre = await this.begin(req);
    if ('answer' in pre) return toResponse(pre.answer, pre.headers);
    const { parsed, route } = pre;
    if (parsed.verb === 'watch') return toResponse(errorAnswer(badRequest('use stream() for watch requests')));
    return toResponse(this.serve(parsed, route));
  }

  async stream(req: TransportRequest): Promise<TransportStream> {
    const pre = await this.begin(req);
    if ('answer' in pre) return streamOf(pre.answer, pre.headers);
    const { parsed, route } = pre;
    if (parsed.verb !== 'watch') return streamOf(this.serve(parsed, route));
    const filter = compileFilter(route.info, route.namespace, parsed.query);
    if ('kind' in filter) return streamOf(errorAnswer(filter));
    return this.hub.open(route.info, filter, parsed.query, req.signal);
  }

  // ---- internals ---------------------------------------------------------------------------------

  /** Parses, records and applies injected failures; either an early answer or the route to serve. */
  private async begin(
    req: TransportRequest,
  ): Promise<{ answer: Answer; headers?: Record<string, string> } | { parsed: FakeRequest; route: Route }> {
    // Answer asynchronously, as a network would: callers must not rely on synchronous replies.
    await Promise.resolve();
    if (req.signal?.aborted) throw new DOMException('This operation was aborted', 'AbortError');
    if (!this.available) throw new ConnectionError('connect ECONNREFUSED (fake apiserver down)');
    const url = new URL(req.path, 'http://fake.invalid');
    const route = this.route(url.pathname);
    if ('code' in route) return { answer: errorAnswer(route) };
    let body: unknown;
    if (req.body !== undefined && req.body !== '') {
      try {
        body = JSON.parse(req.body);
      } catch {
        return { answer: errorAnswer(badRequest('the body of the request was not valid JSON')) };
      }
    }
    const parsed: FakeRequest = {
      verb: verbOf(req.method, route, url.searchParams),
      method: req.method,
      path: url.pathname,
      query: url.searchParams,
      resource: route.info.resource,
      group: route.info.group,
      namespace: route.namespace,
      name: route.name,
      subresource: route.subresource,
      contentType: req.headers['content-type'],
      body,
    };
    this.requests.push(parsed);
    const rule = this.matchRule(parsed);
    if (rule !== undefined) {
      if (rule.error === 'connection') throw new ConnectionError('connect ECONNREFUSED (injected)');
      if (rule.error === 'hang') return new Promise((_, reject) => hangUntilAborted(req.signal, reject));
      const code = rule.code ?? 500;
      const details = rule.retryAfterSeconds !== undefined ? { retryAfterSeconds: rule.retryAfterSeconds } : undefined;
      const status = failureStatus(code, rule.reason ?? REASONS[code] ?? 'Unknown', rule.message ?? `injected failure (${code})`, details);
      const headers = rule.retryAfterSeconds !== undefined ? { 'retry-after': String(rule.retryAfterSeconds) } : undefined;
      return headers ? { answer: errorAnswer(status), headers } : { answer: errorAnswer(status) };
    }
    return { parsed, route };
  }

  private serve(r: FakeRequest, route: Route): Answer {
    const { info, namespace: ns, name, subresource: sub } = route;
    const dryRun = r.query.get('dryRun') === 'All';
    switch (r.verb) {
      case 'get':
        return sub === undefined || sub === 'status' ? this.registry.get(info, ns, name as string) : applySubresource(this.registry, r, route);
      case 'list': {
        const filter = compileFilter(info, ns, r.query);
        return 'kind' in filter ? errorAnswer(filter) : listObjects(this.store, info, filter, r.query);
      }
      case 'create':
        if (sub !== undefined) return applySubresource(this.registry, r, route);
        if (name !== undefined) return errorAnswer(methodNotAllowed());
        if (info.namespaced && !ns) return errorAnswer(methodNotAllowed());
        return this.registry.create(info, ns, r.body, dryRun);
      case 'update':
        if (sub === 'scale') return applySubresource(this.registry, r, route);
        if (sub !== undefined && sub !== 'status' && sub !== 'finalize') return errorAnswer(methodNotAllowed());
        return this.registry.update(info, ns, name as string, r.body, sub, dryRun);
      case 'patch':
        return patchObject(this.registry, r, route, dryRun);
      case 'delete':
        return this.registry.delete(info, ns, name as string, deleteOptions(r));
      case 'deletecollection':
        return this.deleteCollection(r, route);
      default:
        return errorAnswer(methodNotAllowed());
    }
  }

  private deleteCollection(r: FakeRequest, route: Route): Answer {
    const filter = compileFilter(route.info, route.namespace, r.query);
    if ('kind' in filter) return errorAnswer(filter);
    const listed = listObjects(this.store, route.info, filter, new URLSearchParams());
    const items = (listed.body as { items: KubeObject[] }).items;
    const opts = deleteOptions(r);
    const deleted: unknown[] = [];
    for (const o of items) {
      const a = this.registry.delete(route.info, o.metadata?.namespace, o.metadata?.name ?? '', opts);
      if (a.status === 200) deleted.push(a.body);
    }
    const list = listed.body as { metadata: unknown };
    return { status: 200, body: { ...list, items: deleted } };
  }

  private matchRule(r: FakeRequest): FailureRule | undefined {
    for (const entry of this.rules) {
      const x = entry.rule;
      if (entry.left <= 0) continue;
      if (x.verb !== undefined && x.verb !== r.verb) continue;
      if (x.resource !== undefined && x.resource !== r.resource) continue;
      if (x.subresource !== undefined && x.subresource !== r.subresource) continue;
      if (x.namespace !== undefined && x.namespace !== r.namespace) continue;
      if (x.name !== undefined && x.name !== r.name) continue;
      entry.left--;
      return x;
    }
    return undefined;
  }

  /** /api/v1/... or /apis/<group>/<version>/... to a resource, namespace, name and subresource. */
  private route(pathname: string): Route | StatusJson {
    const segs = pathname.split('/').filter((s) => s !== '').map(decodeURIComponent);
    let group: string;
    let rest: string[];
    if (segs[0] === 'api' && segs.length >= 2) [group, rest] = ['', segs.slice(2)];
    else if (segs[0] === 'apis' && segs.length >= 3) [group, rest] = [segs[1] as string, segs.slice(3)];
    else return pathNotFound();
    const version = segs[0] === 'api' ? (segs[1] as string) : (segs[2] as string);
    let ns: string | undefined;
    if (rest[0] === 'namespaces' && rest.length >= 3 && findResource(group, version, rest[2] as string)?.namespaced) {
      ns = rest[1];
      rest = rest.slice(2);
    }
    const info = findResource(group, version, rest[0] ?? '');
    if (info === undefined || rest.length > 3) return pathNotFound();
    if (info.namespaced === false && ns !== undefined) return pathNotFound();
    const sub = rest[2];
    if (sub !== undefined && !info.subresources.includes(sub as never)) return pathNotFound();
    return { info, namespace: ns, name: rest[1], subresource: sub };
  }

  private resourceOf(o: KubeObject): ResourceInfo {
    const info = resourceForKind(o.apiVersion ?? '', o.kind ?? '');
    if (info === undefined) throw new Error(`FakeApiServer.seed: no resource serves ${o.apiVersion ?? '?'} ${o.kind ?? '?'}`);
    return info;
  }
}

function verbOf(method: HttpMethod, route: Route, q: URLSearchParams): Verb {
  switch (method) {
    case 'GET':
      if (route.name !== undefined) return 'get';
      return ['true', '1'].includes(q.get('watch') ?? '') ? 'watch' : 'list';
    case 'POST':
      return 'create';
    case 'PUT':
      return 'update';
    case 'PATCH':
      return 'patch';
    case 'DELETE':
      return route.name === undefined ? 'deletecollection' : 'delete';
  }
}

function deleteOptions(r: FakeRequest): DeleteOptionsJson {
  const body = (typeof r.body === 'object' && r.body !== null ? r.body : {}) as DeleteOptionsJson;
  const opts: DeleteOptionsJson = { ...body };
  const g = r.query.get('gracePeriodSeconds');
  if (g !== null) opts.gracePeriodSeconds = Number.parseInt(g, 10);
  const p = r.query.get('propagationPolicy');
  if (p !== null) opts.propagationPolicy = p;
  if (r.query.get('dryRun') === 'All') opts.dryRun = ['All'];
  return opts;
}

function errorAnswer(s: StatusJson): Answer {
  return { status: s.code, body: s };
}

function toResponse(a: Answer, headers: Record<string, string> = {}): TransportResponse {
  return { status: a.status, headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(a.body) };
}

function streamOf(a: Answer, headers: Record<string, string> = {}): TransportStream {
  const body = new AsyncQueue<string>();
  body.push(JSON.stringify(a.body));
  body.end();
  return { status: a.status, headers: { 'content-type': 'application/json', ...headers }, body };
}

function hangUntilAborted(signal: AbortSignal | undefined, reject: (err: unknown) => void): void {
  signal?.addEventListener('abort', () => reject(new DOMException('This operation was aborted', 'AbortError')), { once: true });
}
