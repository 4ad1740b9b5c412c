// The informer cache: objects by key ("<namespace>/<name>", or "<name>" when cluster-scoped) plus
// secondary indices. Invariant: for every index, value -> keys holds exactly the keys of stored
// objects whose index function yields that value. Objects are shared with every reader: treat
// them as immutable (copy before changing), as client-go asks of its cache.
import type { KubeObject } from '@kubemu/api';

export type KeyFunc<T> = (obj: T) => string;
export type IndexFunc<T> = (obj: T) => string[];
export type Indexers<T> = Record<string, IndexFunc<T>>;

/** cache.MetaNamespaceKeyFunc. */
export function metaNamespaceKey(obj: KubeObject): string {
  const ns = obj.metadata?.namespace;
  const name = obj.metadata?.name ?? '';
  return ns ? `${ns}/${name}` : name;
}

/** cache.SplitMetaNamespaceKey: "ns/name" or "name". */
export function splitMetaNamespaceKey(key: string): { namespace: string; name: string } {
  const i = key.indexOf('/');
  return i < 0 ? { namespace: '', name: key } : { namespace: key.slice(0, i), name: key.slice(i + 1) };
}

export const NAMESPACE_INDEX = 'namespace';

/** cache.MetaNamespaceIndexFunc: the object's namespace ('' for cluster-scoped objects). */
export function namespaceIndexFunc(obj: KubeObject): string[] {
  return [obj.metadata?.namespace ?? ''];
}

/**
 * What an informer hands onDelete when it learned of a deletion by relisting rather than by a
 * DELETED event: the last state it knew, which may be stale (cache.DeletedFinalStateUnknown).
 */
export class DeletedFinalStateUnknown<T> {
  constructor(
    readonly key: string,
    readonly obj: T,
  ) {}
}

/** The object of an onDelete argument, unwrapping a tombstone. */
export function deletedObject<T>(obj: T | DeletedFinalStateUnknown<T>): T {
  return obj instanceof DeletedFinalStateUnknown ? obj.obj : obj;
}

export class Indexer<T extends KubeObject = KubeObject> {
  private readonly items = new Map<string, T>();
  private readonly indexers: Map<string, IndexFunc<T>>;
  /** index name -> indexed value -> keys */
  private readonly indices = new Map<string, Map<string, Set<string>>>();

  constructor(
    readonly keyFunc: KeyFunc<T> = metaNamespaceKey,
    indexers: Indexers<T> = { [NAMESPACE_INDEX]: namespaceIndexFunc },
  ) {
    this.indexers = new Map(Object.entries(indexers));
    for (const name of this.indexers.keys()) this.indices.set(name, new Map());
  }

  /** Adds index functions; existing objects are indexed at once. */
  addIndexers(indexers: Indexers<T>): void {
    for (const [name, fn] of Object.entries(indexers)) {
      if (this.indexers.has(name)) throw new Error(`indexer conflict: ${name}`);
      this.indexers.set(name, fn);
      this.indices.set(name, new Map());
      for (const [key, obj] of this.items) this.indexOne(name, fn, key, obj);
    }
  }

  /** Adds or replaces; returns the previous object under the same key. */
  add(obj: T): T | undefined {
    const key = this.keyFunc(obj);
    const old = this.items.get(key);
    if (old !== undefined) this.unindex(key, old);
    this.items.set(key, obj);
    this.indexAll(key, obj);
    return old;
  }

  update(obj: T): T | undefined {
    return this.add(obj);
  }

  /** Removes; returns what was stored under the object's key. */
  delete(obj: T): T | undefined {
    return this.deleteKey(this.keyFunc(obj));
  }

  deleteKey(key: string): T | undefined {
    const old = this.items.get(key);
    if (old === undefined) return undefined;
    this.unindex(key, old);
    this.items.delete(key);
    return old;
  }

  /** Swaps the whole content for `objs`, rebuilding indices. */
  replace(objs: readonly T[]): void {
    this.items.clear();
    for (const m of this.indices.values()) m.clear();
    for (const o of objs) this.add(o);
  }

  get(obj: T): T | undefined {
    return this.items.get(this.keyFunc(obj));
  }

  getByKey(key: string): T | undefined {
    return this.items.get(key);
  }

  list(): T[] {
    return [...this.items.values()];
  }

  listKeys(): string[] {
    return [...this.items.keys()];
  }

  get size(): number {
    return this.items.size;
  }

  /** Objects whose index `indexName` yields `value`. */
  byIndex(indexName: string, value: string): T[] {
    return this.indexKeys(indexName, value).map((k) => this.items.get(k) as T);
  }

  indexKeys(indexName: string, value: string): string[] {
    const index = this.indices.get(indexName);
    if (index === undefined) throw new Error(`index with name ${indexName} does not exist`);
    return [...(index.get(value) ?? [])];
  }

  /** Objects sharing any index value with `obj` under `indexName` (cache.Indexer.Index). */
  index(indexName: string, obj: T): T[] {
    const fn = this.indexers.get(indexName);
    if (fn === undefined) throw new Error(`index with name ${indexName} does not exist`);
    const keys = new Set<string>();
    for (const v of fn(obj)) for (const k of this.indices.get(indexName)?.get(v) ?? []) keys.add(k);
    return [...keys].map((k) => this.items.get(k) as T);
  }

  listIndexFuncValues(indexName: string): string[] {
    return [...(this.indices.get(indexName)?.keys() ?? [])];
  }

  private indexAll(key: string, obj: T): void {
    for (const [name, fn] of this.indexers) this.indexOne(name, fn, key, obj);
  }

  private indexOne(name: string, fn: IndexFunc<T>, key: string, obj: T): void {
    const index = this.indices.get(name) as Map<string, Set<string>>;
    for (const v of fn(obj)) {
      let set = index.get(v);
      if (set === undefined) index.set(v, (set = new Set()));
      set.add(key);
    }
  }

  private unindex(key: string, obj: T): void {
    for (const [name, fn] of this.indexers) {
      const index = this.indices.get(name) as Map<string, Set<string>>;
      for (const v of fn(obj)) {
        const set = index.get(v);
        if (set === undefined) continue;
        set.delete(key);
        if (set.size === 0) index.delete(v);
      }
    }
  }
}
