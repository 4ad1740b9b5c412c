// Resource arithmetic as the scheduler does it: a pod's effective requests (regular containers
// summed, init containers taken at their peak, sidecars counted throughout, plus overhead), the
// "non-zero" requests used for scoring, and a node's allocatable. Quantities are parsed once into
// plain numbers: milli-cpu and bytes, both exact below 2^53.
import { Quantity } from '@kubemu/api';
import type { Node, Pod } from '@kubemu/api';

/** Requested or allocatable amounts; `scalar` holds extended resources (e.g. example.com/gpu). */
export interface Resource {
  milliCpu: number;
  memory: number;
  ephemeralStorage: number;
  scalar?: Map<string, number>;
}

/** What the scheduler assumes of a container without requests, for scoring only (100m, 200Mi). */
export const DEFAULT_MILLI_CPU_REQUEST = 100;
export const DEFAULT_MEMORY_REQUEST = 200 * 1024 * 1024;

type ResourceList = Record<string, string> | undefined;
type Container = NonNullable<Pod['spec']>['containers'][number];

export function emptyResource(): Resource {
  return { milliCpu: 0, memory: 0, ephemeralStorage: 0 };
}

export function cloneResource(r: Resource): Resource {
  const c: Resource = { milliCpu: r.milliCpu, memory: r.memory, ephemeralStorage: r.ephemeralStorage };
  if (r.scalar !== undefined) c.scalar = new Map(r.scalar);
  return c;
}

function quantity(s: string | undefined, milli: boolean): number {
  if (s === undefined) return 0;
  const q = Quantity.tryParse(String(s));
  if (!(q instanceof Quantity)) return 0;
  return Number(milli ? q.milliValue() : q.value());
}

const IGNORED = new Set(['cpu', 'memory', 'ephemeral-storage', 'pods']);

/** A ResourceList as numbers; extended resources (names with a '/', hugepages-*) go to scalar. */
export function fromResourceList(list: ResourceList): Resource {
  const r = emptyResource();
  if (list === undefined) return r;
  r.milliCpu = quantity(list.cpu, true);
  r.memory = quantity(list.memory, false);
  r.ephemeralStorage = quantity(list['ephemeral-storage'], false);
  for (const [name, v] of Object.entries(list)) {
    if (IGNORED.has(name)) continue;
    (r.scalar ??= new Map()).set(name, quantity(v, false));
  }
  return r;
}

export function addInto(into: Resource, r: Resource, sign = 1): void {
  into.milliCpu += sign * r.milliCpu;
  into.memory += sign * r.memory;
  into.ephemeralStorage += sign * r.ephemeralStorage;
  if (r.scalar !== undefined) {
    into.scalar ??= new Map();
    for (const [k, v] of r.scalar) into.scalar.set(k, (into.scalar.get(k) ?? 0) + sign * v);
  }
}

function maxInto(into: Resource, r: Resource): void {
  into.milliCpu = Math.max(into.milliCpu, r.milliCpu);
  into.memory = Math.max(into.memory, r.memory);
  into.ephemeralStorage = Math.max(into.ephemeralStorage, r.ephemeralStorage);
  if (r.scalar !== undefined) {
    into.scalar ??= new Map();
    for (const [k, v] of r.scalar) into.scalar.set(k, Math.max(into.scalar.get(k) ?? 0, v));
  }
}

function containerRequests(c: Container, nonZero: boolean): Resource {
  const req = fromResourceList((c.resources?.requests ?? undefined) as ResourceList);
  if (nonZero) {
    if (c.resources?.requests?.cpu === undefined) req.milliCpu = DEFAULT_MILLI_CPU_REQUEST;
    if (c.resources?.requests?.memory === undefined) req.memory = DEFAULT_MEMORY_REQUEST;
  }
  return req;
}

/**
 * The pod's effective request: max(sum of containers + sidecars, peak of the init phase) plus
 * overhead. An init container with restartPolicy Always is a sidecar: it keeps running, so it
 * adds to everything after it; a regular init container runs alone (with the sidecars before it).
 * `nonZero` applies the scoring defaults to containers that request no cpu or memory.
 */
export function podRequests(pod: Pod, nonZero = false): Resource {
  const spec = pod.spec;
  const total = emptyResource();
  for (const c of spec?.containers ?? []) addInto(total, containerRequests(c, nonZero));
  const sidecars = emptyResource();
  const initPeak = emptyResource();
  for (const c of spec?.initContainers ?? []) {
    const req = containerRequests(c, nonZero);
    if (c.restartPolicy === 'Always') {
      addInto(sidecars, req);
      maxInto(initPeak, sidecars);
    } else {
      const withSidecars = cloneResource(req);
      addInto(withSidecars, sidecars);
      maxInto(initPeak, withSidecars);
    }
  }
  addInto(total, sidecars);
  maxInto(total, initPeak);
  if (spec?.overhead != null) addInto(total, fromResourceList(spec.overhead as ResourceList));
  return total;
}

export interface NodeAllocatable {
  resource: Resource;
  allowedPods: number;
}

export function nodeAllocatable(node: Node): NodeAllocatable {
  const list = (node.status?.allocatable ?? node.status?.capacity ?? undefined) as ResourceList;
  return { resource: fromResourceList(list), allowedPods: list?.pods !== undefined ? quantity(list.pods, false) : 0 };
}
