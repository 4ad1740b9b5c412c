// LIST of Events: a snapshot of the bucket (one namespace or all), filtered by the selectors and
// ordered as etcd orders keys (`<namespace>/<name>`), in pages of `limit` with continue tokens.
//
// JetStream cannot read an older state, so a continuation lists the keys after the token from the
// current state. Every page reports the first page's resourceVersion: anything that changed since
// then (in pages already served or not) has a larger revision, so a watch from it replays the change
// rather than miss it; a client sees an Event at most twice, never a stale one forever.
import type { KubeObject } from '@kubemu/api';
import { badRequest, isStatus } from '../http/status';
import type { ApiStatus } from '../http/status';
import { listObject } from '../registry/list';
import type { ListQuery } from '../registry/list';
import type { Predicate } from '../registry/predicate';
import type { Result } from '../registry/registry';
import type { EventBucket } from './event-bucket';
import { EVENTS } from './event-registry';

interface ContinueToken {
  v: 'meta.k8s.io/v1';
  rv: number;
  /** The key (`<namespace>/<name>`) of the last item served. */
  start: string;
}

function encodeContinue(t: Omit<ContinueToken, 'v'>): string {
  return Buffer.from(JSON.stringify({ v: 'meta.k8s.io/v1', ...t })).toString('base64url');
}

function decodeContinue(token: string): ContinueToken | undefined {
  try {
    const t = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as ContinueToken;
    return t.v === 'meta.k8s.io/v1' && typeof t.rv === 'number' && typeof t.start === 'string' ? t : undefined;
  } catch {
    return undefined;
  }
}

export function orderKey(obj: KubeObject): string {
  return `${obj.metadata?.namespace ?? ''}/${obj.metadata?.name ?? ''}`;
}

/** The matching Events in key order and the revision they were read at. */
export async function matchingEvents(bucket: EventBucket, pred: Predicate): Promise<{ items: KubeObject[]; revision: number } | ApiStatus> {
  const snap = await bucket.snapshot(pred.namespace);
  if (isStatus(snap)) return snap;
  const items = snap.items.map((e) => e.object).filter((o) => pred.matches(o));
  items.sort((a, b) => (orderKey(a) < orderKey(b) ? -1 : orderKey(a) > orderKey(b) ? 1 : 0));
  return { items, revision: snap.revision };
}

export async function listEvents(bucket: EventBucket, pred: Predicate, q: ListQuery): Promise<Result> {
  let token: ContinueToken | undefined;
  if (q.continueToken !== undefined && q.continueToken !== '') {
    token = decodeContinue(q.continueToken);
    if (token === undefined) return badRequest('invalid continue token');
  }
  const all = await matchingEvents(bucket, pred);
  if (isStatus(all)) return all;
  const rest = token === undefined ? all.items : all.items.filter((o) => orderKey(o) > token.start);
  const revision = token?.rv ?? all.revision;
  const limit = q.limit ?? 0;
  if (limit <= 0 || rest.length <= limit) return { code: 200, object: listObject(EVENTS, rest, { resourceVersion: String(revision) }) };
  const page = rest.slice(0, limit);
  const meta: { resourceVersion: string; continue: string; remainingItemCount?: number } = {
    resourceVersion: String(revision),
    continue: encodeContinue({ rv: revision, start: orderKey(page[page.length - 1]!) }),
  };
  if (pred.everything) meta.remainingItemCount = rest.length - limit;
  return { code: 200, object: listObject(EVENTS, page, meta) };
}
