// LIST: a consistent read from the store (paged with limit/continue at one revision), or from the
// watch cache when the client accepts any recent state (resourceVersion=0 or one the cache has seen).
import type { KubeObject, ResourceInfo } from '@kubemu/api';
import { badRequest, gone, isStatus } from '../http/status';
import type { ApiStatus } from '../http/status';
import type { ObjectStore, Stored } from '../storage/object-store';
import type { WatchCache } from '../storage/watch-cache';
import type { Predicate } from './predicate';
import type { Result } from './registry';

export interface ListQuery {
  limit?: number;
  continueToken?: string;
  resourceVersion?: string;
  resourceVersionMatch?: string;
}

interface ContinueToken {
  v: 'meta.k8s.io/v1';
  rv: number;
  start: string;
}

export const CONTINUE_TOO_OLD =
  'The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter, or use the continue token in this response to retrieve the remainder of the results. Continuing with the provided token results in an inconsistent list - objects that were created, modified, or deleted between the time the first chunk was returned and now may show up in the list.';

export function collectionPrefix(info: ResourceInfo, namespace: string): string {
  return info.namespaced && namespace !== '' ? `${info.storePrefix}/${namespace}/` : `${info.storePrefix}/`;
}

function decodeContinue(token: string): ContinueToken | ApiStatus {
  try {
    const t = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as ContinueToken;
    if (t.v !== 'meta.k8s.io/v1' || typeof t.rv !== 'number' || typeof t.start !== 'string') throw new Error('bad');
    return t;
  } catch {
    return badRequest(`invalid continue token`);
  }
}

function encodeContinue(rv: number, start: string): string {
  return Buffer.from(JSON.stringify({ v: 'meta.k8s.io/v1', rv, start })).toString('base64url');
}

export function listObject(info: ResourceInfo, items: KubeObject[], meta: { resourceVersion: string; continue?: string; remainingItemCount?: number }): KubeObject {
  return {
    kind: info.listKind,
    apiVersion: info.group === '' ? info.version : `${info.group}/${info.version}`,
    metadata: meta,
    items: items.map((o) => {
      const { apiVersion: _a, kind: _k, ...rest } = o;
      return rest;
    }),
  };
}

export async function listObjects(store: ObjectStore, cache: WatchCache | undefined, info: ResourceInfo, pred: Predicate, q: ListQuery): Promise<Result> {
  const rv = q.resourceVersion;
  const fromCache = cache !== undefined && q.continueToken === undefined && rv !== undefined && rv !== '' && (rv === '0' || (q.limit ?? 0) === 0) && cache.revision >= Number(rv);
  if (fromCache) {
    await cache.start();
    const { items, revision } = cache.list();
    const prefix = collectionPrefix(info, pred.namespace);
    const objects = items.filter((s) => s.key.startsWith(prefix) && pred.matches(s.object)).sort(byKey).map((s) => s.object);
    return { code: 200, object: listObject(info, objects, { resourceVersion: String(revision) }) };
  }
  return listFromStore(store, info, pred, q);
}

const byKey = (a: Stored, b: Stored): number => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0);

async function listFromStore(store: ObjectStore, info: ResourceInfo, pred: Predicate, q: ListQuery): Promise<Result> {
  const prefix = collectionPrefix(info, pred.namespace);
  let revision = 0;
  let startKey: string | undefined;
  if (q.continueToken !== undefined && q.continueToken !== '') {
    const t = decodeContinue(q.continueToken);
    if (isStatus(t)) return t;
    revision = t.rv;
    startKey = prefix + t.start;
  }
  const limit = q.limit ?? 0;
  const items: KubeObject[] = [];
  let remaining = 0;
  let lastKey: string | undefined;
  for (;;) {
    let page;
    try {
      page = await store.list(prefix, { limit: limit > 0 ? Math.max(limit - items.length, 1) : 0, revision, ...(startKey === undefined ? {} : { startKey }) });
    } catch (err) {
      if (String((err as Error).message).includes('compacted')) return gone(CONTINUE_TOO_OLD);
      throw err;
    }
    revision = page.revision;
    for (const s of page.items) {
      lastKey = s.key;
      if (pred.matches(s.object)) items.push(s.object);
    }
    remaining = page.remaining;
    if (page.nextKey === undefined || (limit > 0 && items.length >= limit)) {
      startKey = page.nextKey;
      break;
    }
    startKey = page.nextKey;
  }
  const meta: { resourceVersion: string; continue?: string; remainingItemCount?: number } = { resourceVersion: String(revision) };
  if (startKey !== undefined && lastKey !== undefined) {
    meta.continue = encodeContinue(revision, startKey.slice(prefix.length));
    if (pred.everything) meta.remainingItemCount = remaining;
  }
  return { code: 200, object: listObject(info, items, meta) };
}
