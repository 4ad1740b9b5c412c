// Informer indices the controllers share. Indices live on the shared informer, so two
// controllers asking for the same one must get the same function: ensureIndex adds it once.
import type { KubeObject } from '@kubemu/api';
import type { IndexFunc, SharedInformer } from '@kubemu/client';
import { controllerRefOf } from './controller-ref';

/** Objects by the uid of their controller; orphans under orphanIndexKey(namespace). */
export const CONTROLLER_UID_INDEX = 'controllerUID';

export function orphanIndexKey(namespace: string): string {
  return `orphan/${namespace}`;
}

export function controllerUidIndexFunc(obj: KubeObject): string[] {
  const ref = controllerRefOf(obj);
  return [ref === undefined ? orphanIndexKey(obj.metadata?.namespace ?? '') : ref.uid];
}

const added = new WeakMap<object, Set<string>>();

/** Adds the index to the informer unless this process already did. */
export function ensureIndex<T extends KubeObject>(informer: SharedInformer<T>, name: string, fn: IndexFunc<KubeObject>): void {
  let names = added.get(informer);
  if (names === undefined) added.set(informer, (names = new Set()));
  if (names.has(name)) return;
  names.add(name);
  informer.addIndexers({ [name]: fn as IndexFunc<T> });
}
