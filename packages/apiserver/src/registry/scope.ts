// What a registry call is about, and the store key it maps to.
import type { KubeObject, ResourceInfo } from '@kubemu/api';
import { reservationChanges } from '../admission/service-addresses';
import type { ApiStatus } from '../http/status';
import type { SideKey } from '../storage/object-store';

export interface Outcome {
  code: number;
  object: KubeObject;
}

export type Result = Outcome | ApiStatus;

export interface Scope {
  info: ResourceInfo;
  /** '' for cluster-scoped resources and all-namespace requests. */
  namespace: string;
  name: string;
}

export function storeKey(info: ResourceInfo, namespace: string, name: string): string {
  return info.namespaced ? `${info.storePrefix}/${namespace}/${name}` : `${info.storePrefix}/${name}`;
}

export function targetOf(s: Scope): { group: string; resource: string; name: string } {
  return { group: s.info.group, resource: s.info.resource, name: s.name };
}

/** The reservation keys freed when an object goes away. */
export function releasesOf(s: Scope, obj: KubeObject): SideKey[] {
  return s.info.resource === 'services' && s.info.group === '' ? reservationChanges(obj, undefined, '') : [];
}
