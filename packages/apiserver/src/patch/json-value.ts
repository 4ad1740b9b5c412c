// JSON values as the patch algorithms see them, with the few Go behaviours the error messages of
// kube-apiserver expose (fmt's %v of decoded JSON, reflect type names).
//
// Invariant: every object handled here is a plain data object whose keys are own properties.
// Keys come from request bodies, so "__proto__" or "constructor" are ordinary keys: they are read
// with Object.hasOwn and written with defineProperty, never through the prototype chain.

export type Json = null | boolean | number | string | Json[] | JsonObject;
export interface JsonObject {
  [key: string]: Json;
}

export function isJsonObject(v: unknown): v is JsonObject {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

export function hasKey(o: JsonObject, k: string): boolean {
  return Object.hasOwn(o, k);
}

/** The own value at k, or undefined when k is absent (a present null is null). */
export function getKey(o: JsonObject, k: string): Json | undefined {
  return Object.hasOwn(o, k) ? o[k] : undefined;
}

export function setKey(o: JsonObject, k: string, v: Json): void {
  Object.defineProperty(o, k, { value: v, enumerable: true, writable: true, configurable: true });
}

export function deleteKey(o: JsonObject, k: string): void {
  if (Object.hasOwn(o, k)) delete o[k];
}

/**
 * A deep copy of a parsed body or stored object as plain JSON. Values JSON cannot carry
 * (undefined, functions) are dropped from objects and become null in arrays, as JSON.stringify
 * would; the patch algorithms mutate their inputs, so callers always hand them a copy.
 */
export function toJson(v: unknown): Json {
  if (v === null || typeof v === 'boolean' || typeof v === 'string') return v;
  if (typeof v === 'number') return Number.isFinite(v) ? v : null;
  if (Array.isArray(v)) return v.map((e) => (e === undefined || typeof e === 'function' ? null : toJson(e)));
  if (typeof v === 'object') {
    const out: JsonObject = {};
    for (const [k, e] of Object.entries(v)) {
      if (e === undefined || typeof e === 'function') continue;
      setKey(out, k, toJson(e));
    }
    return out;
  }
  return null;
}

/** Structural equality of two JSON values. */
export function jsonEqual(a: Json, b: Json): boolean {
  if (a === b) return true;
  if (Array.isArray(a)) {
    return Array.isArray(b) && a.length === b.length && a.every((e, i) => jsonEqual(e, b[i] ?? null));
  }
  if (isJsonObject(a)) {
    if (!isJsonObject(b)) return false;
    const ka = Object.keys(a);
    if (ka.length !== Object.keys(b).length) return false;
    return ka.every((k) => hasKey(b, k) && jsonEqual(a[k] ?? null, b[k] ?? null));
  }
  return false;
}

/**
 * Go's `x == y` on two decoded JSON values (interface{} equality): scalars by value, null equal to
 * null, and a map or slice never equal to anything (Go would panic comparing them; no real patch
 * depends on that).
 */
export function goEqual(a: Json | undefined, b: Json | undefined): boolean {
  if (a === undefined || b === undefined) return false;
  if (a !== null && typeof a === 'object') return false;
  return a === b;
}

/** The reflect.Kind family of a decoded value, which decides how strategic merge treats it. */
export type GoKind = 'nil' | 'map' | 'slice' | 'string' | 'number' | 'bool';

export function goKind(v: Json): GoKind {
  if (v === null) return 'nil';
  if (Array.isArray(v)) return 'slice';
  switch (typeof v) {
    case 'object':
      return 'map';
    case 'string':
      return 'string';
    case 'number':
      return 'number';
    default:
      return 'bool';
  }
}

/** reflect.TypeOf(v).String() for a value decoded with int preservation (%s of it for nil). */
export function goTypeName(v: Json | undefined): string {
  if (v === undefined || v === null) return '%!s(<nil>)';
  if (Array.isArray(v)) return '[]interface {}';
  switch (typeof v) {
    case 'object':
      return 'map[string]interface {}';
    case 'string':
      return 'string';
    case 'number':
      return Number.isInteger(v) ? 'int64' : 'float64';
    default:
      return 'bool';
  }
}

/** fmt's %v of a decoded JSON value: `map[image:b name:a]`, `[a b]`, `<nil>`. */
export function goFormat(v: Json | undefined): string {
  if (v === undefined || v === null) return '<nil>';
  if (Array.isArray(v)) return `[${v.map(goFormat).join(' ')}]`;
  switch (typeof v) {
    case 'object':
      // Go prints map keys sorted.
      return `map[${Object.keys(v)
        .sort()
        .map((k) => `${k}:${goFormat(v[k])}`)
        .join(' ')}]`;
    case 'number':
      return goNumber(v);
    default:
      return String(v);
  }
}

/** %v of an int64 or float64: integers plainly, floats in %g with a two-digit exponent. */
function goNumber(n: number): string {
  if (Number.isInteger(n) && Math.abs(n) < 1e21) return String(n);
  const s = String(n);
  return s.replace(/e([+-])(\d)$/, 'e$10$2');
}
