// Server-side field validation (fieldValidation=Strict|Warn|Ignore): the fields of a request body that
// the kind's schema does not have, and the fields a JSON object repeats, reported in the words and
// the path form of kube-apiserver's strict decoder:
//   Deployment in version "v1" cannot be handled as a Deployment: strict decoding error:
//   unknown field "spec.replicasx", duplicate field "spec.replicas"
// Paths join field names with dots and index lists as [i] (spec.template.spec.containers[0].imagex).
// Maps (labels, data) accept any key; opaque objects (RawExtension, FieldsV1) are not looked into.
import type { Status } from '@kubemu/api';
import { definitionFor, resolveRef } from './definitions';
import type { GroupVersionKind, JsonSchema } from './definitions';

/** What one key of an object is, under a schema: a known field, a map entry, or unknown. */
type Child = { kind: 'field'; schema: JsonSchema } | { kind: 'unknown' } | { kind: 'opaque' };

function resolved(s: JsonSchema): JsonSchema {
  return s.$ref === undefined ? s : (resolveRef(s.$ref) ?? {});
}

function childOf(schema: JsonSchema | undefined, key: string): Child {
  if (schema === undefined) return { kind: 'opaque' };
  const s = resolved(schema);
  if (s.properties !== undefined) {
    const p = Object.prototype.hasOwnProperty.call(s.properties, key) ? s.properties[key] : undefined;
    return p === undefined ? { kind: 'unknown' } : { kind: 'field', schema: p };
  }
  if (typeof s.additionalProperties === 'object') return { kind: 'field', schema: s.additionalProperties };
  return { kind: 'opaque' };
}

function itemsOf(schema: JsonSchema | undefined): JsonSchema | undefined {
  return schema === undefined ? undefined : resolved(schema).items;
}

const join = (path: string, key: string): string => (path === '' ? key : `${path}.${key}`);
/** Go's %q, which the decoder formats paths with; JSON quoting agrees with it for printable text. */
const quote = (path: string): string => JSON.stringify(path);

/**
 * The paths of the fields of `obj` that the schema of `gvk` does not know, in document order
 * (e.g. ["spec.replicasx"]). Empty when the kind has no schema: nothing can be said about it.
 */
export function unknownFields(obj: unknown, gvk: GroupVersionKind): string[] {
  const root = definitionFor(gvk);
  const out: string[] = [];
  const walk = (value: unknown, schema: JsonSchema | undefined, path: string): void => {
    if (schema === undefined || value === null || typeof value !== 'object') return;
    if (Array.isArray(value)) {
      const items = itemsOf(schema);
      value.forEach((v, i) => walk(v, items, `${path}[${i}]`));
      return;
    }
    for (const [key, v] of Object.entries(value as Record<string, unknown>)) {
      const c = childOf(schema, key);
      if (c.kind === 'unknown') out.push(join(path, key));
      else if (c.kind === 'field') walk(v, c.schema, join(path, key));
    }
  };
  walk(obj, root, '');
  return out;
}

class JsonSyntaxError extends Error {}

/**
 * The strict decoding errors of a JSON request body, in document order: `unknown field "<path>"` and
 * `duplicate field "<path>"` (the latter only a raw body can show). Malformed JSON yields none: the
 * body's decoding error is reported by whoever parses it.
 */
export function strictFieldErrors(raw: string, gvk: GroupVersionKind): string[] {
  const root = definitionFor(gvk);
  if (root === undefined) return [];
  const errors: string[] = [];
  let i = 0;
  const ws = (): void => {
    while (i < raw.length && ' \t\n\r'.includes(raw.charAt(i))) i++;
  };
  const expect = (ch: string): void => {
    ws();
    if (raw.charAt(i) !== ch) throw new JsonSyntaxError(`expected ${ch} at ${i}`);
    i++;
  };
  const string = (): string => {
    ws();
    const start = i;
    if (raw.charAt(i) !== '"') throw new JsonSyntaxError(`expected string at ${i}`);
    i++;
    while (i < raw.length && raw.charAt(i) !== '"') i += raw.charAt(i) === '\\' ? 2 : 1;
    i++;
    return JSON.parse(raw.slice(start, i)) as string;
  };
  // `schema` undefined: not checked (opaque, or under an unknown field).
  const value = (schema: JsonSchema | undefined, path: string): void => {
    ws();
    const c = raw.charAt(i);
    if (c === '{') {
      i++;
      const seen = new Set<string>();
      const checked = schema !== undefined && childOf(schema, '').kind !== 'opaque';
      ws();
      if (raw.charAt(i) === '}') {
        i++;
        return;
      }
      for (;;) {
        const key = string();
        expect(':');
        const child = schema === undefined ? ({ kind: 'opaque' } as Child) : childOf(schema, key);
        // Go skips the value of an unknown field and keeps a RawExtension's bytes as they are, so
        // nothing under them is reported, repeated keys included.
        if (checked && seen.has(key)) errors.push(`duplicate field ${quote(join(path, key))}`);
        else if (child.kind === 'unknown') errors.push(`unknown field ${quote(join(path, key))}`);
        seen.add(key);
        value(child.kind === 'field' ? child.schema : undefined, join(path, key));
        ws();
        if (raw.charAt(i) === ',') {
          i++;
          continue;
        }
        expect('}');
        return;
      }
    }
    if (c === '[') {
      i++;
      ws();
      if (raw.charAt(i) === ']') {
        i++;
        return;
      }
      const items = itemsOf(schema);
      for (let n = 0; ; n++) {
        value(items, `${path}[${n}]`);
        ws();
        if (raw.charAt(i) === ',') {
          i++;
          continue;
        }
        expect(']');
        return;
      }
    }
    if (c === '"') {
      string();
      return;
    }
    const m = /^(?:true|false|null|-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)/.exec(raw.slice(i, i + 64));
    if (!m) throw new JsonSyntaxError(`unexpected ${c} at ${i}`);
    i += m[0].length;
  };
  try {
    value(root, '');
  } catch (e) {
    if (e instanceof JsonSyntaxError || e instanceof SyntaxError) return [];
    throw e;
  }
  return errors;
}

/** The message of kube-apiserver's 400 for fieldValidation=Strict. */
export function strictDecodingMessage(gvk: GroupVersionKind, errors: readonly string[]): string {
  return `${gvk.kind} in version "${gvk.version}" cannot be handled as a ${gvk.kind}: strict decoding error: ${errors.join(', ')}`;
}

/** The Status kube-apiserver answers fieldValidation=Strict with when the body has strict errors. */
export function strictDecodingStatus(gvk: GroupVersionKind, errors: readonly string[]): Status & { code: number } {
  return { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: strictDecodingMessage(gvk, errors), reason: 'BadRequest', code: 400 };
}

/** The strict errors of unknown fields found by unknownFields, worded as the decoder words them. */
export function unknownFieldErrors(paths: readonly string[]): string[] {
  return paths.map((p) => `unknown field ${quote(p)}`);
}
