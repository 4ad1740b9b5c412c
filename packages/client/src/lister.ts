// Read-only views of an informer cache, as controllers use them: list by label selector, get by
// namespace and name, look up by index. Returned objects are the cached ones: do not mutate them.
import { Selector, parseLabelSelector } from '@kubemu/api';
import type { KubeObject } from '@kubemu/api';
import { NAMESPACE_INDEX } from './store';
import type { Indexer } from './store';

function toSelector(selector: Selector | string | undefined): Selector {
  if (selector === undefined) return Selector.everything();
  return typeof selector === 'string' ? parseLabelSelector(selector) : selector;
}

function matching<T extends KubeObject>(objs: T[], selector: Selector): T[] {
  return selector.isEmpty() ? objs : objs.filter((o) => selector.matches(o.metadata?.labels ?? undefined));
}

export class Lister<T extends KubeObject> {
  constructor(private readonly indexer: Indexer<T>) {}

  /** Every cached object (all namespaces) whose labels match; a string is parsed as a label selector. */
  list(selector?: Selector | string): T[] {
    return matching(this.indexer.list(), toSelector(selector));
  }

  /** The object `namespace/name`; use namespace '' for cluster-scoped objects. */
  get(namespace: string, name: string): T | undefined {
    return this.indexer.getByKey(namespace === '' ? name : `${namespace}/${name}`);
  }

  byIndex(indexName: string, value: string): T[] {
    return this.indexer.byIndex(indexName, value);
  }

  namespace(namespace: string): NamespaceLister<T> {
    return new NamespaceLister(this.indexer, namespace);
  }
}

export class NamespaceLister<T extends KubeObject> {
  constructor(
    private readonly indexer: Indexer<T>,
    readonly namespace: string,
  ) {}

  list(selector?: Selector | string): T[] {
    let objs: T[];
    try {
      objs = this.indexer.byIndex(NAMESPACE_INDEX, this.namespace);
    } catch {
      // No namespace index on this cache: filter the whole list.
      objs = this.indexer.list().filter((o) => (o.metadata?.namespace ?? '') === this.namespace);
    }
    return matching(objs, toSelector(selector));
  }

  get(name: string): T | undefined {
    return this.indexer.getByKey(this.namespace === '' ? name : `${this.namespace}/${name}`);
  }
}
