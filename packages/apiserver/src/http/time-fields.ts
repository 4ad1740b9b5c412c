// The metav1.Time and metav1.MicroTime fields of built-in kinds, decoded as kube-apiserver decodes
// them: each value goes through Time.UnmarshalJSON (layout RFC3339) or MicroTime.UnmarshalJSON
// (RFC3339Micro, exactly six fractional digits), and what is stored is the re-encoded value (UTC,
// whole seconds for Time, microseconds for MicroTime, null for Go's zero time).
//   - null is the zero time; "" and any other string Go's time.Parse refuses fail the decode, and so
//     does a number, bool, list or object in a timestamp's place.
//   - A create or update body that fails is a 400 (handlers' transformDecodeError):
//       Lease in version "v1" cannot be handled as a Lease: parsing time "..." as "...": cannot parse ...
//   - A patched object that fails is the patch handler's 422 (` "" is invalid: patch: Invalid value`),
//     quoting the patched JSON, or for a strategic merge patch the patch as Go's %+v prints it.
// Which fields are timestamps comes from the served OpenAPI definitions; each kind's fields are
// gathered once, as a tree that holds only the branches leading to a timestamp.
import type { KubeObject, ResourceInfo } from '@kubemu/api';
import { definitionName, definitions } from '../openapi';
import type { JsonSchema } from '../openapi';
import { PATCH_CONTENT_TYPES } from '../patch';
import { undecodablePatchResult } from '../patch/status';
import { RFC3339, RFC3339_MICRO, formatGoTime, isGoZeroTime, parseGoTime } from './go-time';
import type { TimeLayout } from './go-time';
import { badRequest } from './status';
import type { ApiStatus } from './status';

const META = 'io.k8s.apimachinery.pkg.apis.meta.v1';
const LAYOUTS: Readonly<Record<string, TimeLayout>> = { [`${META}.Time`]: RFC3339, [`${META}.MicroTime`]: RFC3339_MICRO };

/** Where timestamps sit under a schema. Only branches that reach a timestamp are kept. */
type Shape =
  | { kind: 'time'; layout: TimeLayout }
  /** `struct` is the Go type's name (the definition's last segment), which json errors print. */
  | { kind: 'struct'; struct: string; fields: ReadonlyMap<string, Shape> }
  | { kind: 'list'; item: Shape }
  | { kind: 'map'; value: Shape };

const byDefinition = new Map<string, Shape | null>();

/**
 * The timestamp tree of a definition, memoized. A definition that refers back to one being built
 * (a recursive schema) is cut there; no recursive definition of the built-in kinds holds a timestamp.
 */
function definitionShape(name: string, building: Set<string>): Shape | undefined {
  const layout = LAYOUTS[name];
  if (layout !== undefined) return { kind: 'time', layout };
  const known = byDefinition.get(name);
  if (known !== undefined) return known ?? undefined;
  const def = definitions()[name];
  if (def === undefined || building.has(name)) return undefined;
  building.add(name);
  const fields = new Map<string, Shape>();
  for (const [field, schema] of Object.entries(def.properties ?? {})) {
    const s = schemaShape(schema, building);
    if (s !== undefined) fields.set(field, s);
  }
  building.delete(name);
  const shape: Shape | undefined = fields.size === 0 ? undefined : { kind: 'struct', struct: name.slice(name.lastIndexOf('.') + 1), fields };
  byDefinition.set(name, shape ?? null);
  return shape;
}

function schemaShape(schema: JsonSchema, building: Set<string>): Shape | undefined {
  const ref = schema.$ref ?? (schema.allOf?.length === 1 ? schema.allOf[0]!.$ref : undefined);
  if (ref !== undefined) return definitionShape(ref.slice(ref.lastIndexOf('/') + 1), building);
  if (schema.items !== undefined) {
    const item = schemaShape(schema.items, building);
    return item === undefined ? undefined : { kind: 'list', item };
  }
  if (typeof schema.additionalProperties === 'object') {
    const value = schemaShape(schema.additionalProperties, building);
    return value === undefined ? undefined : { kind: 'map', value };
  }
  return undefined;
}

/** The failure of one timestamp, in the two wordings Go produces for it. */
export interface TimeFieldError {
  /** As the JSON decoder of a whole document reports it (a type error names its struct field). */
  message: string;
  /** As UnmarshalJSON alone reports it (the unstructured converter of a strategic merge patch). */
  bare: string;
}

export type TimeFieldsResult = { ok: true; object: KubeObject } | { ok: false; error: TimeFieldError };

interface Walk {
  error?: TimeFieldError;
}

const jsonWord = (v: unknown): string => (Array.isArray(v) ? 'array' : typeof v === 'boolean' ? 'bool' : typeof v);

/** One timestamp value: its canonical JSON, or the failure. `struct` and `path` are Go's error context. */
function decodeTime(value: unknown, layout: TimeLayout, struct: string, path: readonly string[], w: Walk): unknown {
  if (value === null) return null;
  if (typeof value !== 'string') {
    const word = jsonWord(value);
    w.error = {
      message: `json: cannot unmarshal ${word} into Go struct field ${struct}.${path.join('.')} of type string`,
      bare: `json: cannot unmarshal ${word} into Go value of type string`,
    };
    return value;
  }
  const parsed = parseGoTime(layout, value);
  if (!parsed.ok) {
    w.error = { message: parsed.message, bare: parsed.message };
    return value;
  }
  return isGoZeroTime(parsed.instant) ? null : formatGoTime(layout, parsed.instant);
}

const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

/**
 * Decodes the timestamps under `shape` in document order and stops at the first failure, as the
 * decoder does. Returns `value` itself when nothing changed, else a copy along the changed path
 * only: the input may share subtrees with a stored object and is never modified.
 */
function walk(value: unknown, shape: Shape, struct: string, path: string[], w: Walk): unknown {
  switch (shape.kind) {
    case 'time':
      return decodeTime(value, shape.layout, struct, path, w);
    case 'struct': {
      // A value of the wrong JSON type fails other parts of the decoder, which kubemu does not check.
      if (!isObject(value)) return value;
      let out: Record<string, unknown> | undefined;
      for (const [key, v] of Object.entries(value)) {
        const s = shape.fields.get(key);
        if (s === undefined) continue;
        path.push(key);
        const next = walk(v, s, shape.struct, path, w);
        path.pop();
        if (w.error !== undefined) return value;
        if (next !== v) (out ??= { ...value })[key] = next;
      }
      return out ?? value;
    }
    case 'list': {
      if (!Array.isArray(value)) return value;
      let out: unknown[] | undefined;
      for (let i = 0; i < value.length; i++) {
        const next = walk(value[i], shape.item, struct, path, w);
        if (w.error !== undefined) return value;
        if (next !== value[i]) (out ??= value.slice())[i] = next;
      }
      return out ?? value;
    }
    case 'map': {
      if (!isObject(value)) return value;
      let out: Record<string, unknown> | undefined;
      for (const [key, v] of Object.entries(value)) {
        const next = walk(v, shape.value, struct, path, w);
        if (w.error !== undefined) return value;
        if (next !== v) (out ??= { ...value })[key] = next;
      }
      return out ?? value;
    }
  }
}

/** Kinds without a served definition (custom resources) have no timestamps to decode. */
function kindShape(info: Pick<ResourceInfo, 'group' | 'version' | 'kind'>): Shape | undefined {
  return definitionShape(definitionName({ group: info.group, version: info.version, kind: info.kind }), new Set());
}

/** The object with its timestamps decoded and re-encoded, or the first one that does not decode. */
export function decodeTimeFields(obj: KubeObject, info: Pick<ResourceInfo, 'group' | 'version' | 'kind'>): TimeFieldsResult {
  const shape = kindShape(info);
  if (shape === undefined) return { ok: true, object: obj };
  const w: Walk = {};
  const object = walk(obj, shape, '', [], w) as KubeObject;
  return w.error === undefined ? { ok: true, object } : { ok: false, error: w.error };
}

/** A create or update body: the timestamps decoded, or transformDecodeError's 400. */
export function decodeBodyTimes(obj: KubeObject, info: ResourceInfo): KubeObject | ApiStatus {
  const r = decodeTimeFields(obj, info);
  if (r.ok) return r.object;
  return badRequest(`${info.kind} in version "${info.version}" cannot be handled as a ${info.kind}: ${r.error.message}`);
}

/**
 * A patched object: the timestamps decoded, or the patch handler's 422. JSON and merge patches
 * decode the patched document (quoted as JSON: kube-apiserver's Go encoding orders keys by struct
 * field); a strategic merge patch converts the merged map and quotes the patch itself.
 */
export function decodePatchedTimes(patched: KubeObject, info: ResourceInfo, patchType: string, patch: unknown): KubeObject | ApiStatus {
  const r = decodeTimeFields(patched, info);
  if (r.ok) return r.object;
  if (patchType === PATCH_CONTENT_TYPES.strategic) return undecodablePatchResult(goPrint(patch), r.error.bare);
  return undecodablePatchResult(JSON.stringify(patched), r.error.message);
}

/** Go's %+v of a value decoded into interface{} (map keys sorted bytewise, as fmt sorts them). */
export function goPrint(v: unknown): string {
  if (v === null || v === undefined) return '<nil>';
  if (typeof v === 'string') return v;
  if (typeof v === 'number') return goNumber(v);
  if (typeof v === 'boolean') return String(v);
  if (Array.isArray(v)) return `[${v.map(goPrint).join(' ')}]`;
  const keys = Object.keys(v as object).sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
  return `map[${keys.map((k) => `${k}:${goPrint((v as Record<string, unknown>)[k])}`).join(' ')}]`;
}

/**
 * Integers decode as int64 (printed plainly), other numbers as float64, which %v prints as %g does:
 * shortest digits, in exponent form when the exponent is below -4 or at least 6.
 */
function goNumber(n: number): string {
  if (Number.isSafeInteger(n)) return String(n);
  const [mantissa, e] = n.toExponential().split('e') as [string, string];
  const exp = Number(e);
  if (exp < -4 || exp >= 6) return `${mantissa}e${exp < 0 ? '-' : '+'}${String(Math.abs(exp)).padStart(2, '0')}`;
  return String(n);
}
