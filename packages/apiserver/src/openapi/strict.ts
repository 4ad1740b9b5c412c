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

const OPAQUE: Child = { kind: 'opaque' };
const QUOTE = 0x22;
const BACKSLASH = 0x5c;

/** Where a value sits in the document: its path is only spelled out when an error names it. */
interface Place {
  parent: Place | undefined;
  /** A field name, or a list index. */
  step: string | number;
}

function pathOf(p: Place | undefined): string {
  if (p === undefined) return '';
  const parent = pathOf(p.parent);
  return typeof p.step === 'number' ? `${parent}[${p.step}]` : join(parent, p.step);
}

/**
 * The strict decoding errors of a JSON request body, in document order: `unknown field "<path>"` and
 * `duplicate field "<path>"` (the latter only a raw body can show). Malformed JSON yields none: the
 * body's decoding error is reported by whoever parses it.
 *
 * It runs on every create and update with a body, so it scans char codes, keeps paths unbuilt
 * until an error needs one, and decodes a key with JSON.parse only when it has escapes.
 */
export function strictFieldErrors(raw: string, gvk: GroupVersionKind): string[] {
  const root = definitionFor(gvk);
  if (root === undefined) return [];
  const errors: string[] = [];
  const n = raw.length;
  let i = 0;
  const ws = (): void => {
    for (; i < n; i++) {
      const c = raw.charCodeAt(i);
      if (c !== 0x20 && c !== 0x09 && c !== 0x0a && c !== 0x0d) return;
    }
  };
  const expect = (ch: number): void => {
    ws();
    if (raw.charCodeAt(i) !== ch) throw new JsonSyntaxError(`expected ${String.fromCharCode(ch)} at ${i}`);
    i++;
  };
  const string = (): string => {
    ws();
    const start = i;
    if (raw.charCodeAt(i) !== QUOTE) throw new JsonSyntaxError(`expected string at ${i}`);
    i++;
    let escaped = false;
    for (; i < n; i++) {
      const c = raw.charCodeAt(i);
      if (c === QUOTE) break;
      if (c === BACKSLASH) {
        escaped = true;
        i++;
      }
    }
    if (i >= n) throw new JsonSyntaxError('unterminated string');
    i++;
    return escaped ? (JSON.parse(raw.slice(start, i)) as string) : raw.slice(start + 1, i - 1);
  };
  /** Skips a number or a literal (true, false, null). */
  const scalar = (): void => {
    const from = i;
    for (; i < n; i++) {
      const c = raw.charCodeAt(i);
      // digits, sign, exponent, point, and the letters of true/false/null
      const ok = (c >= 0x30 && c <= 0x39) || c === 0x2d || c === 0x2b || c === 0x2e || (c >= 0x61 && c <= 0x7a) || c === 0x45;
      if (!ok) break;
    }
    if (i === from) throw new JsonSyntaxError(`unexpected ${raw.charAt(i)} at ${i}`);
    const token = raw.slice(from, i);
    if (token !== 'true' && token !== 'false' && token !== 'null' && !/^-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?$/.test(token)) {
      throw new JsonSyntaxError(`unexpected ${token} at ${from}`);
    }
  };
  // `schema` undefined: not checked (opaque, or under an unknown field).
  const value = (schema: JsonSchema | undefined, place: Place | undefined): void => {
    ws();
    const c = raw.charCodeAt(i);
    if (c === 0x7b) {
      i++;
      const checked = schema !== undefined && childOf(schema, '').kind !== 'opaque';
      const seen = checked ? new Set<string>() : undefined;
      ws();
      if (raw.charCodeAt(i) === 0x7d) {
        i++;
        return;
      }
      for (;;) {
        const key = string();
        expect(0x3a);
        const child = schema === undefined ? OPAQUE : childOf(schema, key);
        const here: Place = { parent: place, step: key };
        // Go skips the value of an unknown field and keeps a RawExtension's bytes as they are, so
        // nothing under them is reported, repeated keys included.
        if (seen?.has(key) === true) errors.push(`duplicate field ${quote(pathOf(here))}`);
        else if (child.kind === 'unknown') errors.push(`unknown field ${quote(pathOf(here))}`);
        seen?.add(key);
        value(child.kind === 'field' ? child.schema : undefined, here);
        ws();
        if (raw.charCodeAt(i) === 0x2c) {
          i++;
          continue;
        }
        expect(0x7d);
        return;
      }
    }
    if (c === 0x5b) {
      i++;
      ws();
      if (raw.charCodeAt(i) === 0x5d) {
        i++;
        return;
      }
      const items = itemsOf(schema);
      for (let k = 0; ; k++) {
        value(items, { parent: place, step: k });
        ws();
        if (raw.charCodeAt(i) === 0x2c) {
          i++;
          continue;
        }
        expect(0x5d);
        return;
      }
    }
    if (c === QUOTE) {
      string();
      return;
    }
    scalar();
  };
  try {
    value(root, undefined);
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
