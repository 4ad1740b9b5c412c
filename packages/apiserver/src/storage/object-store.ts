// Objects as JSON under /registry/... through the etcd v3 API, with the store's mod revision as
// resourceVersion. Every write is a transaction guarded by the revision the caller read, so that
// several apiserver replicas stay consistent without talking to each other (as kube-apiserver's
// etcd3 storage does with its GuaranteedUpdate). Works against kvstore and real etcd alike.
import type { KubeObject } from '@kubemu/api';
import type { EtcdClient, Event as EtcdEvent, KeyValue, RequestOp, Compare } from '@kubemu/kvstore';

export interface Stored {
  key: string;
  object: KubeObject;
  /** The key's mod revision: the object's resourceVersion. */
  revision: number;
}

export interface ListPage {
  items: Stored[];
  /** The store revision the page was read at. */
  revision: number;
  /** The key to continue from, when more keys remain. */
  nextKey?: string;
  remaining: number;
}

/** A side key written or deleted in the same transaction as the object (allocations). */
export interface SideKey {
  key: string;
  /** Written with this value; the write fails if the key exists (it is a reservation). */
  value?: string;
}

export type WriteResult = { ok: true; revision: number; object: KubeObject } | { ok: false; why: 'exists' | 'conflict' | 'not-found' | 'side-key-taken' };

const enc = new TextEncoder();
const dec = new TextDecoder();
export const bytes = (s: string): Uint8Array => enc.encode(s);
const text = (b: Uint8Array): string => dec.decode(b);

/** The end of the range of every key that starts with `prefix`. */
export function prefixEnd(prefix: string): Uint8Array {
  const b = Uint8Array.from(bytes(prefix));
  for (let i = b.length - 1; i >= 0; i--) {
    if (b[i]! < 0xff) {
      b[i]! += 1;
      return b.slice(0, i + 1);
    }
  }
  return new Uint8Array([0]);
}

export function decodeKv(kv: KeyValue): Stored {
  const object = JSON.parse(text(kv.value)) as KubeObject;
  object.metadata = { ...(object.metadata ?? {}), resourceVersion: String(kv.modRevision) };
  return { key: text(kv.key), object, revision: kv.modRevision };
}

/** The stored form: resourceVersion is never stored, it is the key's revision. */
function encodeObject(obj: KubeObject): Uint8Array {
  const meta = { ...(obj.metadata ?? {}) };
  delete meta.resourceVersion;
  return bytes(JSON.stringify({ ...obj, metadata: meta }));
}

export class ObjectStore {
  constructor(readonly client: EtcdClient) {}

  async get(key: string): Promise<Stored | undefined> {
    const res = await this.client.range({ key: bytes(key) });
    const kv = res.kvs[0];
    return kv === undefined ? undefined : decodeKv(kv);
  }

  /** A consistent page of keys under `prefix` (from `startKey` when continuing), read at `revision` (0: now). */
  async list(prefix: string, opts: { limit?: number; startKey?: string; revision?: number } = {}): Promise<ListPage> {
    const limit = opts.limit ?? 0;
    const res = await this.client.range({
      key: bytes(opts.startKey ?? prefix),
      rangeEnd: prefixEnd(prefix),
      limit: limit > 0 ? limit : 0,
      revision: opts.revision ?? 0,
    });
    const items = res.kvs.map(decodeKv);
    const page: ListPage = { items, revision: res.header.revision, remaining: res.more ? res.count - items.length : 0 };
    const last = res.kvs[res.kvs.length - 1];
    if (res.more && last !== undefined) page.nextKey = `${text(last.key)}\u0000`;
    return page;
  }

  /** Creates `key` unless it exists; side keys are reserved in the same transaction. */
  async create(key: string, obj: KubeObject, side: readonly SideKey[] = []): Promise<WriteResult> {
    const compare: Compare[] = [{ key: bytes(key), target: 'CREATE', result: 'EQUAL', createRevision: 0 }];
    for (const s of side) if (s.value !== undefined) compare.push({ key: bytes(s.key), target: 'CREATE', result: 'EQUAL', createRevision: 0 });
    const res = await this.client.txn({
      compare,
      success: [{ requestPut: { key: bytes(key), value: encodeObject(obj) } }, ...sideOps(side)],
      failure: [{ requestRange: { key: bytes(key), countOnly: true } }],
    });
    if (!res.succeeded) {
      const exists = (res.responses[0]?.responseRange?.count ?? 0) > 0;
      return { ok: false, why: exists ? 'exists' : 'side-key-taken' };
    }
    return { ok: true, revision: res.header.revision, object: withRv(obj, res.header.revision) };
  }

  /** Replaces `key` if its revision is still `expected`. */
  async update(key: string, obj: KubeObject, expected: number, side: readonly SideKey[] = []): Promise<WriteResult> {
    const compare: Compare[] = [{ key: bytes(key), target: 'MOD', result: 'EQUAL', modRevision: expected }];
    for (const s of side) if (s.value !== undefined) compare.push({ key: bytes(s.key), target: 'CREATE', result: 'EQUAL', createRevision: 0 });
    const res = await this.client.txn({
      compare,
      success: [{ requestPut: { key: bytes(key), value: encodeObject(obj) } }, ...sideOps(side)],
      failure: [{ requestRange: { key: bytes(key), keysOnly: true } }],
    });
    if (!res.succeeded) return this.whyFailed(res.responses[0]?.responseRange?.kvs[0], expected);
    return { ok: true, revision: res.header.revision, object: withRv(obj, res.header.revision) };
  }

  /** Deletes `key` if its revision is still `expected`; side keys (without value) are deleted with it. */
  async delete(key: string, expected: number, side: readonly SideKey[] = []): Promise<WriteResult> {
    const res = await this.client.txn({
      compare: [{ key: bytes(key), target: 'MOD', result: 'EQUAL', modRevision: expected }],
      success: [{ requestDeleteRange: { key: bytes(key), prevKv: true } }, ...sideOps(side)],
      failure: [{ requestRange: { key: bytes(key), keysOnly: true } }],
    });
    if (!res.succeeded) return this.whyFailed(res.responses[0]?.responseRange?.kvs[0], expected);
    const prev = res.responses[0]?.responseDeleteRange?.prevKvs?.[0];
    const object = prev === undefined ? {} : decodeKv(prev).object;
    return { ok: true, revision: res.header.revision, object };
  }

  /** Puts a value with no object semantics (side data such as allocation maps). */
  async putRaw(key: string, value: string): Promise<void> {
    await this.client.put({ key: bytes(key), value: bytes(value) });
  }

  async currentRevision(): Promise<number> {
    const res = await this.client.range({ key: bytes('/registry/'), countOnly: true, limit: 1 });
    return res.header.revision;
  }

  private whyFailed(kv: KeyValue | undefined, _expected: number): WriteResult {
    return { ok: false, why: kv === undefined ? 'not-found' : 'conflict' };
  }
}

function sideOps(side: readonly SideKey[]): RequestOp[] {
  return side.map((s) => (s.value !== undefined ? { requestPut: { key: bytes(s.key), value: bytes(s.value) } } : { requestDeleteRange: { key: bytes(s.key) } }));
}

function withRv(obj: KubeObject, revision: number): KubeObject {
  return { ...obj, metadata: { ...(obj.metadata ?? {}), resourceVersion: String(revision) } };
}

export type { EtcdEvent };
