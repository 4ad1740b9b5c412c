// Typed helpers for one resource, in one namespace or across all: the verbs of the Kubernetes
// REST API, each mapped to its method and path. Failures throw ApiError (see api-error.ts).
import { InvalidArgumentError } from '@kubemu/base';
import type { StatusJson } from './api-error';
import type { ApiRequester, QueryValue } from './requester';
import { Watch } from './watch';

/** Which resource: ResourceInfo from @kubemu/api fits, as does a literal. */
export interface ResourceSpec {
  readonly group: string;
  readonly version: string;
  /** Plural, lower-case: pods, deployments. */
  readonly resource: string;
  readonly namespaced: boolean;
}

export interface ListMeta {
  resourceVersion?: string;
  continue?: string;
  remainingItemCount?: number;
}

export interface ObjectList<T> {
  apiVersion?: string;
  kind?: string;
  metadata: ListMeta;
  items: T[];
}

export interface ListOptions {
  labelSelector?: string;
  fieldSelector?: string;
  limit?: number;
  continue?: string;
  resourceVersion?: string;
  resourceVersionMatch?: 'Exact' | 'NotOlderThan';
  timeoutSeconds?: number;
  signal?: AbortSignal;
}

export interface WatchOptions {
  labelSelector?: string;
  fieldSelector?: string;
  /** Start after this version; "" or absent: the current state as ADDED events, then changes. */
  resourceVersion?: string;
  /** The server ends the watch after this long; a reflector then watches again from where it was. */
  timeoutSeconds?: number;
  allowWatchBookmarks?: boolean;
  signal?: AbortSignal;
}

export interface WriteOptions {
  dryRun?: boolean;
  fieldManager?: string;
  signal?: AbortSignal;
}

export interface Preconditions {
  uid?: string;
  resourceVersion?: string;
}

export interface DeleteOptions {
  propagationPolicy?: 'Orphan' | 'Background' | 'Foreground';
  gracePeriodSeconds?: number;
  preconditions?: Preconditions;
  dryRun?: boolean;
  signal?: AbortSignal;
}

export type PatchType = 'merge' | 'strategic' | 'json' | 'apply';

export const PATCH_CONTENT_TYPES: Readonly<Record<PatchType, string>> = {
  merge: 'application/merge-patch+json',
  strategic: 'application/strategic-merge-patch+json',
  json: 'application/json-patch+json',
  apply: 'application/apply-patch+yaml',
};

export interface PatchOptions extends WriteOptions {
  subresource?: string;
  /** Server-side apply only: take ownership of conflicting fields. */
  force?: boolean;
}

interface HasMeta {
  metadata?: { name?: string; namespace?: string };
}

function writeQuery(opts: WriteOptions | undefined): Record<string, QueryValue> {
  return { dryRun: opts?.dryRun ? 'All' : undefined, fieldManager: opts?.fieldManager };
}

function listQuery(opts: ListOptions | WatchOptions): Record<string, QueryValue> {
  const o = opts as ListOptions & WatchOptions;
  return {
    labelSelector: o.labelSelector || undefined,
    fieldSelector: o.fieldSelector || undefined,
    limit: o.limit,
    continue: o.continue || undefined,
    resourceVersion: o.resourceVersion,
    resourceVersionMatch: o.resourceVersionMatch,
    timeoutSeconds: o.timeoutSeconds,
    allowWatchBookmarks: o.allowWatchBookmarks || undefined,
  };
}

export class ResourceClient<T extends object> {
  constructor(
    private readonly client: ApiRequester,
    readonly spec: ResourceSpec,
    /** For a namespaced resource: the namespace, or undefined for all namespaces. */
    readonly ns?: string,
  ) {}

  /** The same resource scoped to one namespace. */
  namespace(ns: string): ResourceClient<T> {
    return new ResourceClient<T>(this.client, this.spec, ns);
  }

  /** /api/v1[/namespaces/<ns>]/<resource>[/<name>[/<sub>]] or /apis/<group>/<version>/... */
  path(ns: string | undefined, name?: string, subresource?: string): string {
    const s = this.spec;
    let p = s.group === '' ? `/api/${s.version}` : `/apis/${s.group}/${s.version}`;
    if (s.namespaced && ns !== undefined && ns !== '') p += `/namespaces/${encodeURIComponent(ns)}`;
    p += `/${s.resource}`;
    if (name !== undefined) {
      if (name === '') throw new InvalidArgumentError(`resource name may not be empty (${s.resource})`);
      p += `/${encodeURIComponent(name)}`;
    }
    if (subresource !== undefined) p += `/${subresource}`;
    return p;
  }

  async get(name: string, opts: { signal?: AbortSignal } = {}): Promise<T> {
    return this.client.requestJson<T>({ method: 'GET', path: this.path(this.namedNs(), name), ...signal(opts) });
  }

  /** One page (or all, without `limit`). Items get the apiVersion and kind the server strips from list items. */
  async list(opts: ListOptions = {}): Promise<ObjectList<T>> {
    const list = await this.client.requestJson<ObjectList<T>>({ method: 'GET', path: this.path(this.ns), query: listQuery(opts), ...signal(opts) });
    list.items ??= [];
    list.metadata ??= {};
    const kind = list.kind?.endsWith('List') ? list.kind.slice(0, -4) : undefined;
    if (kind !== undefined) {
      for (const item of list.items as (T & { apiVersion?: string; kind?: string })[]) {
        item.apiVersion ??= list.apiVersion;
        item.kind ??= kind;
      }
    }
    return list;
  }

  /** Every item, following `continue` tokens page by page. */
  async listAll(opts: Omit<ListOptions, 'continue'> = {}): Promise<ObjectList<T>> {
    const first = await this.list(opts);
    let page = first;
    while (page.metadata.continue) {
      page = await this.list({ ...opts, continue: page.metadata.continue });
      first.items.push(...page.items);
    }
    first.metadata = { ...page.metadata };
    delete first.metadata.continue;
    return first;
  }

  async create(obj: T, opts?: WriteOptions): Promise<T> {
    return this.client.requestJson<T>({ method: 'POST', path: this.path(this.objNs(obj)), query: writeQuery(opts), body: obj, ...signal(opts) });
  }

  /** PUT; the object's metadata.resourceVersion makes it conditional (409 Conflict when stale). */
  async update(obj: T, opts?: WriteOptions): Promise<T> {
    return this.client.requestJson<T>({ method: 'PUT', path: this.path(this.objNs(obj), nameOf(obj)), query: writeQuery(opts), body: obj, ...signal(opts) });
  }

  /** PUT to the status subresource: only .status of `obj` is taken. */
  async updateStatus(obj: T, opts?: WriteOptions): Promise<T> {
    return this.updateSubresource(nameOf(obj), 'status', obj, opts, this.objNs(obj));
  }

  async patch(name: string, type: PatchType, patch: unknown, opts: PatchOptions = {}): Promise<T> {
    const query = { ...writeQuery(opts), force: opts.force || undefined };
    return this.client.requestJson<T>({
      method: 'PATCH',
      path: this.path(this.namedNs(), name, opts.subresource),
      query,
      body: patch,
      contentType: PATCH_CONTENT_TYPES[type],
      ...signal(opts),
    });
  }

  /**
   * DELETE. Answers the object (with deletionTimestamp set when finalizers or a grace period keep
   * it) or a Success Status, depending on the resource, as the apiserver does.
   */
  async delete(name: string, opts: DeleteOptions = {}): Promise<T | StatusJson> {
    return this.client.requestJson<T | StatusJson>({ method: 'DELETE', path: this.path(this.namedNs(), name), body: deleteBody(opts), ...signal(opts) });
  }

  async deleteCollection(listOpts: ListOptions = {}, opts: DeleteOptions = {}): Promise<ObjectList<T> | StatusJson> {
    return this.client.requestJson<ObjectList<T> | StatusJson>({
      method: 'DELETE',
      path: this.path(this.ns),
      query: listQuery(listOpts),
      body: deleteBody(opts),
      ...signal(opts),
    });
  }

  /** Opens a watch; resolves when the server has accepted it (throws ApiError if it refuses). */
  async watch(opts: WatchOptions = {}): Promise<Watch<T>> {
    const controller = new AbortController();
    const outer = opts.signal;
    if (outer?.aborted) controller.abort();
    else outer?.addEventListener('abort', () => controller.abort(), { once: true });
    const res = await this.client.stream({
      method: 'GET',
      path: this.path(this.ns),
      query: { watch: 'true', ...listQuery(opts) },
      signal: controller.signal,
    });
    return new Watch<T>(res.body, controller);
  }

  /** GET of a subresource (scale, status, log...). */
  async getSubresource<R = T>(name: string, subresource: string, opts: { signal?: AbortSignal } = {}): Promise<R> {
    return this.client.requestJson<R>({ method: 'GET', path: this.path(this.namedNs(), name, subresource), ...signal(opts) });
  }

  /** POST to a subresource: pods/binding, pods/eviction. */
  async createSubresource<B, R = unknown>(name: string, subresource: string, body: B, opts?: WriteOptions, ns?: string): Promise<R> {
    const path = this.path(ns ?? this.namedNs(), name, subresource);
    return this.client.requestJson<R>({ method: 'POST', path, query: writeQuery(opts), body, ...signal(opts) });
  }

  /** PUT to a subresource: status, scale. */
  async updateSubresource<B, R = T>(name: string, subresource: string, body: B, opts?: WriteOptions, ns?: string): Promise<R> {
    const path = this.path(ns ?? this.namedNs(), name, subresource);
    return this.client.requestJson<R>({ method: 'PUT', path, query: writeQuery(opts), body, ...signal(opts) });
  }

  /** The namespace for a request naming one object; a namespaced resource needs one. */
  private namedNs(): string | undefined {
    if (this.spec.namespaced && (this.ns === undefined || this.ns === '')) {
      throw new InvalidArgumentError(`${this.spec.resource} is namespaced: call .namespace(ns) before naming an object`);
    }
    return this.spec.namespaced ? this.ns : undefined;
  }

  private objNs(obj: T): string | undefined {
    if (!this.spec.namespaced) return undefined;
    const ns = this.ns ?? (obj as HasMeta).metadata?.namespace;
    if (ns === undefined || ns === '') throw new InvalidArgumentError(`${this.spec.resource} is namespaced: the object or the client must name a namespace`);
    return ns;
  }
}

function nameOf(obj: object): string {
  const name = (obj as HasMeta).metadata?.name;
  if (name === undefined || name === '') throw new InvalidArgumentError('the object has no metadata.name');
  return name;
}

function signal(opts: { signal?: AbortSignal } | undefined): { signal?: AbortSignal } {
  return opts?.signal !== undefined ? { signal: opts.signal } : {};
}

function deleteBody(opts: DeleteOptions): Record<string, unknown> {
  const body: Record<string, unknown> = { kind: 'DeleteOptions', apiVersion: 'v1' };
  if (opts.propagationPolicy !== undefined) body.propagationPolicy = opts.propagationPolicy;
  if (opts.gracePeriodSeconds !== undefined) body.gracePeriodSeconds = opts.gracePeriodSeconds;
  if (opts.preconditions !== undefined) body.preconditions = opts.preconditions;
  if (opts.dryRun) body.dryRun = ['All'];
  return body;
}
