// A deep copy of a JSON value (what every stored object is: it came from JSON.parse). About seven
// times faster than structuredClone on a pod, which matters because every write copies the
// current object at least once so that the copy can be mutated freely.

/**
 * A deep copy of `v`. Plain objects and arrays are copied member by member; any other object (a
 * Date some in-process caller put in) is left to structuredClone, so the copy is never shallower
 * than structuredClone's.
 */
export function copyJson<T>(v: T): T {
  if (v === null || typeof v !== 'object') return v;
  if (Array.isArray(v)) {
    const out = new Array<unknown>(v.length);
    for (let i = 0; i < v.length; i++) out[i] = copyJson(v[i] as unknown);
    return out as T;
  }
  const proto = Object.getPrototypeOf(v) as unknown;
  if (proto !== Object.prototype && proto !== null) return structuredClone(v);
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(v)) out[k] = copyJson((v as Record<string, unknown>)[k]);
  return out as T;
}
