// Reads of the fake API: list (selectors, pages with continue tokens, lists at an exact older
// version) and watch (history replay from a resourceVersion, 410 Expired after compaction,
// ADDED/DELETED as objects enter and leave a selector, bookmarks, timeoutSeconds).
import type { Clock, Timer } from '@kubemu/base';
import { FieldSelector, Selector, apiVersionOf, parseFieldSelector, parseLabelSelector, selectableFields, validateFieldSelector } from '@kubemu/api';
import type { KubeObject, ResourceInfo } from '@kubemu/api';
import { failureStatus } from '../api-error';
import type { StatusJson } from '../api-error';
import type { TransportStream } from '../transport';
import { AsyncQueue } from './async-queue';
import { badRequest, expired } from './fake-errors';
import type { Answer } from './fake-registry';
import { objectKey, resourceId } from './fake-store';
import type { Change, FakeStore } from './fake-store';

export interface Filter {
  namespace: string | undefined;
  matches(obj: KubeObject): boolean;
  /** Whether any selector was given (remainingItemCount is only reported without one). */
  selective: boolean;
}

/** Parses the selectors of a request; a Status when they are malformed or name unsupported fields. */
export function compileFilter(info: ResourceInfo, ns: string | undefined, q: URLSearchParams): Filter | StatusJson {
  let labels: Selector;
  let fields: FieldSelector;
  try {
    labels = parseLabelSelector(q.get('labelSelector') ?? '');
    fields = parseFieldSelector(q.get('fieldSelector') ?? '');
  } catch (err) {
    return badRequest((err as Error).message);
  }
  const unsupported = validateFieldSelector(info.resource, fields);
  if (unsupported !== undefined) return badRequest(unsupported.message);
  return {
    namespace: info.namespaced && ns ? ns : undefined,
    selective: !labels.isEmpty() || !fields.isEmpty(),
    matches: (obj) =>
      (labels.isEmpty() || labels.matches(obj.metadata?.labels ?? undefined)) &&
      (fields.isEmpty() || fields.matches(selectableFields(info.resource, obj))),
  };
}

const TOO_OLD_CONTINUE =
  'The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter, or use the continue token in this response to retrieve the remainder of the results. Continuing with the provided token results in an inconsistent list - objects that were created, modified, or deleted between the time the first chunk was returned and now may show up in the list.';

interface ContinueToken {
  v: string;
  rv: number;
  start: string;
}

function encodeContinue(rv: number, lastKey: string): string {
  return Buffer.from(JSON.stringify({ v: 'meta.k8s.io/v1', rv, start: `${lastKey}\u0000` })).toString('base64url');
}

function decodeContinue(token: string): ContinueToken | undefined {
  try {
    const t = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as ContinueToken;
    return t.v === 'meta.k8s.io/v1' && Number.isInteger(t.rv) && typeof t.start === 'string' ? t : undefined;
  } catch {
    return undefined;
  }
}

/** List items carry no apiVersion and kind on the wire; the list does. */
function stripType(o: KubeObject): KubeObject {
  const { apiVersion: _a, kind: _k, ...rest } = o;
  return rest;
}

export function listObjects(store: FakeStore, info: ResourceInfo, filter: Filter, q: URLSearchParams): Answer {
  const limit = Number.parseInt(q.get('limit') ?? '', 10);
  const cont = q.get('continue') ?? '';
  const rvParam = q.get('resourceVersion') ?? '';
  const match = q.get('resourceVersionMatch') ?? '';
  const id = resourceId(info);
  let items: KubeObject[];
  let listRv: number;
  let start = '';
  if (cont !== '') {
    const t = decodeContinue(cont);
    if (t === undefined) return answer(badRequest('continue key is not valid: incorrect encoded start resourceVersion (version meta.k8s.io/v1)'));
    const snap = store.snapshot(id, t.rv, filter.namespace);
    if (!Array.isArray(snap)) return answer(expired(TOO_OLD_CONTINUE));
    [items, listRv, start] = [snap, t.rv, t.start];
  } else if (rvParam !== '' && rvParam !== '0') {
    const n = Number.parseInt(rvParam, 10);
    if (!Number.isInteger(n) || n < 0) return answer(badRequest(`invalid resource version: ${rvParam}`));
    if (n > store.resourceVersion) return answer(failureStatus(504, 'Timeout', `Too large resource version: ${n}, current: ${store.resourceVersion}`));
    const exact = match === 'Exact' || (match === '' && limit > 0);
    if (exact) {
      const snap = store.snapshot(id, n, filter.namespace);
      if (!Array.isArray(snap)) return answer(expired(`too old resource version: ${n} (${snap.oldest})`));
      [items, listRv] = [snap, n];
    } else [items, listRv] = [store.list(id, filter.namespace), store.resourceVersion];
  } else {
    [items, listRv] = [store.list(id, filter.namespace), store.resourceVersion];
  }
  const keyOf = (o: KubeObject): string => objectKey(o.metadata?.namespace, o.metadata?.name ?? '');
  let selected = items.filter((o) => (start === '' || keyOf(o) >= start) && filter.matches(o));
  const metadata: { resourceVersion: string; continue?: string; remainingItemCount?: number } = { resourceVersion: String(listRv) };
  if (limit > 0 && selected.length > limit) {
    const rest = selected.length - limit;
    selected = selected.slice(0, limit);
    metadata.continue = encodeContinue(listRv, keyOf(selected[selected.length - 1] as KubeObject));
    if (!filter.selective) metadata.remainingItemCount = rest;
  }
  return { status: 200, body: { kind: info.listKind, apiVersion: apiVersionOf(info), metadata, items: selected.map(stripType) } };
}

function answer(s: StatusJson): Answer {
  return { status: s.code, body: s };
}

interface Watcher {
  info: ResourceInfo;
  filter: Filter;
  bookmarks: boolean;
  queue: AsyncQueue<string>;
  timer: Timer | undefined;
}

const line = (type: string, object: unknown): string => `${JSON.stringify({ type, object })}\n`;

/** Open watches, fed by the store's changes. */
export class WatchHub {
  private readonly watchers = new Set<Watcher>();

  constructor(
    private readonly store: FakeStore,
    private readonly clock: Clock,
  ) {
    store.onChange((c) => {
      for (const w of this.watchers) this.deliver(w, c);
    });
  }

  /** Number of open watches, optionally of one resource (plural name). */
  count(resource?: string): number {
    return [...this.watchers].filter((w) => resource === undefined || w.info.resource === resource).length;
  }

  open(info: ResourceInfo, filter: Filter, q: URLSearchParams, signal: AbortSignal | undefined): TransportStream {
    const queue = new AsyncQueue<string>();
    const w: Watcher = { info, filter, bookmarks: ['true', '1'].includes(q.get('allowWatchBookmarks') ?? ''), queue, timer: undefined };
    const rvParam = q.get('resourceVersion') ?? '';
    const id = resourceId(info);
    if (rvParam === '' || rvParam === '0') {
      for (const o of this.store.list(id, filter.namespace)) if (filter.matches(o)) queue.push(line('ADDED', o));
    } else {
      const since = this.store.changesSince(id, Number.parseInt(rvParam, 10) || 0);
      if (!Array.isArray(since)) {
        // Like kube-apiserver: the watch is accepted (200), then fails with an ERROR event.
        queue.push(line('ERROR', expired(`too old resource version: ${rvParam} (${since.oldest})`)));
        queue.end();
        return { status: 200, headers: { 'content-type': 'application/json', 'transfer-encoding': 'chunked' }, body: queue };
      }
      for (const c of since) this.deliver(w, c);
    }
    this.watchers.add(w);
    const timeout = Number.parseInt(q.get('timeoutSeconds') ?? '', 10);
    if (timeout > 0) w.timer = this.clock.setTimeout(() => this.close(w), timeout * 1000);
    signal?.addEventListener('abort', () => this.close(w, new DOMException('This operation was aborted', 'AbortError')), { once: true });
    return { status: 200, headers: { 'content-type': 'application/json', 'transfer-encoding': 'chunked' }, body: queue };
  }

  /** Sends a BOOKMARK at the current version to every watch that allows them. */
  bookmark(): void {
    for (const w of this.watchers) {
      if (!w.bookmarks) continue;
      w.queue.push(line('BOOKMARK', { kind: w.info.kind, apiVersion: apiVersionOf(w.info), metadata: { resourceVersion: String(this.store.resourceVersion) } }));
    }
  }

  /** Ends every open watch (of one resource, if given), as the server's timeout would; or breaks it with `error`. */
  closeAll(resource?: string, error?: Error): void {
    for (const w of [...this.watchers]) if (resource === undefined || w.info.resource === resource) this.close(w, error);
  }

  private close(w: Watcher, error?: Error): void {
    if (!this.watchers.delete(w)) return;
    w.timer?.cancel();
    if (error !== undefined) w.queue.fail(error);
    else w.queue.end();
  }

  private deliver(w: Watcher, c: Change): void {
    if (c.resource !== resourceId(w.info)) return;
    const ns = w.filter.namespace;
    if (ns !== undefined && (c.object.metadata?.namespace ?? '') !== ns) return;
    const was = c.prev !== undefined && c.type !== 'ADDED' && w.filter.matches(c.prev);
    const is = c.type !== 'DELETED' && w.filter.matches(c.object);
    if (c.type === 'DELETED') {
      if (was) w.queue.push(line('DELETED', c.object));
    } else if (was && is) w.queue.push(line('MODIFIED', c.object));
    else if (is) w.queue.push(line('ADDED', c.object));
    else if (was) w.queue.push(line('DELETED', c.object));
  }
}
