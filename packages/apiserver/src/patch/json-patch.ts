// RFC 6902 JSON patch, applied the way kube-apiserver applies it: with gopkg.in/evanphx/json-patch.v4,
// whose departures from the RFC clients rely on without knowing it:
//   - `replace` of an absent object member adds it (only an array index out of range fails);
//   - a member whose value is null counts as absent: paths cannot go through it, `test` of it
//     against null (or without a value) succeeds, `remove` of it succeeds;
//   - negative array indices count from the end;
//   - a path without a leading slash has its first token ignored ("a/b" is "/b").
// fast-json-patch follows the RFC instead (a `replace` of an absent member fails there), so the
// operations are implemented here rather than delegated to it.
//
// Error texts are the library's, for diagnostics and tests; kube-apiserver does not send them (a
// failed operation is a generic 422, see status.ts).
import type { Json, JsonObject } from './json-value';
import { deleteKey, getKey, hasKey, isJsonObject, jsonEqual, setKey, toJson } from './json-value';

/** kube-apiserver's maxJSONPatchOperations. */
export const MAX_JSON_PATCH_OPERATIONS = 10000;

export type DecodeResult = { ok: true; ops: JsonObject[] } | { ok: false; message: string };

/**
 * jsonpatch.DecodePatch: the body must be an array of objects (null is an empty patch; a null
 * element is an operation of kind "unknown"). The messages are encoding/json's.
 */
export function decodeJsonPatch(body: Json): DecodeResult {
  if (body === null) return { ok: true, ops: [] };
  if (!Array.isArray(body)) return { ok: false, message: `json: cannot unmarshal ${jsonTypeWord(body)} into Go value of type jsonpatch.Patch` };
  const ops: JsonObject[] = [];
  for (const op of body) {
    if (op === null) ops.push({});
    else if (isJsonObject(op)) ops.push(op);
    else return { ok: false, message: `json: cannot unmarshal ${jsonTypeWord(op)} into Go value of type jsonpatch.Operation` };
  }
  return { ok: true, ops };
}

function jsonTypeWord(v: Json): string {
  if (Array.isArray(v)) return 'array';
  if (isJsonObject(v)) return 'object';
  return typeof v === 'boolean' ? 'bool' : typeof v;
}

/** A container a path resolves into: an object member or an array slot (arrays change in place). */
type Container = { kind: 'object'; obj: JsonObject } | { kind: 'array'; arr: Json[] };

const MISSING = 'missing value';
const INVALID_INDEX = 'invalid index referenced';

/**
 * Applies decoded operations to doc (mutated in place; the root is returned because `replace` of
 * "" swaps it). Returns the library's error text for the first operation that fails.
 */
export function applyJsonPatchOps(doc: Json, ops: readonly JsonObject[]): { ok: true; doc: Json } | { ok: false; error: string } {
  const root = { doc };
  for (const op of ops) {
    const err = applyOne(root, op);
    if (err !== undefined) return { ok: false, error: err };
  }
  return { ok: true, doc: root.doc };
}

function applyOne(root: { doc: Json }, op: JsonObject): string | undefined {
  const kind = stringField(op, 'op') ?? 'unknown';
  switch (kind) {
    case 'add':
      return opAdd(root.doc, op);
    case 'remove':
      return opRemove(root.doc, op);
    case 'replace':
      return opReplace(root, op);
    case 'move':
      return opMove(root.doc, op);
    case 'test':
      return opTest(root.doc, op);
    case 'copy':
      return opCopy(root.doc, op);
    default:
      return `Unexpected kind: ${kind}`;
  }
}

/** The operation's value: absent and null both store null (Go marshals a nil node as null). */
function valueOf(op: JsonObject): Json {
  return getKey(op, 'value') ?? null;
}

function stringField(op: JsonObject, name: string): string | undefined {
  const v = getKey(op, name);
  return typeof v === 'string' ? v : undefined;
}

/** Operation.Path / Operation.From: a missing or null field is an error, so is a non-string. */
function pointerField(op: JsonObject, name: 'path' | 'from'): { ok: true; p: string } | { ok: false; error: string } {
  const v = getKey(op, name);
  if (v === undefined || v === null) {
    return { ok: false, error: name === 'path' ? `operation missing path field: ${MISSING}` : `operation, missing from field: ${MISSING}` };
  }
  if (typeof v !== 'string') return { ok: false, error: `json: cannot unmarshal ${jsonTypeWord(v)} into Go value of type string` };
  return { ok: true, p: v };
}

function decodeToken(t: string): string {
  return t.replace(/~[01]/g, (m) => (m === '~1' ? '/' : '~'));
}

/** findObject: the container of the path's last token, or undefined when any parent is absent. */
function findContainer(doc: Json, path: string): { con: Container; key: string } | undefined {
  const split = path.split('/');
  if (split.length < 2) return undefined;
  let cur = asContainer(doc);
  for (const part of split.slice(1, -1)) {
    if (cur === undefined) return undefined;
    const got = containerLookup(cur, decodeToken(part));
    // An absent or null member, or a scalar, cannot be walked through.
    cur = got.ok ? asContainer(got.v) : undefined;
  }
  return cur === undefined ? undefined : { con: cur, key: decodeToken(split[split.length - 1] ?? '') };
}

function asContainer(v: Json): Container | undefined {
  if (Array.isArray(v)) return { kind: 'array', arr: v };
  if (isJsonObject(v)) return { kind: 'object', obj: v };
  return undefined;
}

/** strconv.Atoi: optional sign and decimal digits only. */
function atoi(key: string): number | undefined {
  return /^[+-]?\d+$/.test(key) ? Number.parseInt(key, 10) : undefined;
}

function atoiError(key: string): string {
  return `strconv.Atoi: parsing ${JSON.stringify(key)}: invalid syntax`;
}

/** get: an object member (null when absent) or an array element (an index out of range is an error). */
function containerLookup(con: Container, key: string): { ok: true; v: Json } | { ok: false; error: string } {
  if (con.kind === 'array') {
    const idx = atoi(key);
    if (idx === undefined) return { ok: false, error: atoiError(key) };
    const len = con.arr.length;
    if (idx < -len || (idx < 0 ? idx + len : idx) >= len) return { ok: false, error: `Unable to access invalid index: ${idx}: ${INVALID_INDEX}` };
    return { ok: true, v: con.arr[idx < 0 ? idx + len : idx] ?? null };
  }
  return { ok: true, v: getKey(con.obj, key) ?? null };
}

function containerSetExisting(con: Container, key: string, v: Json): void {
  if (con.kind === 'object') setKey(con.obj, key, v);
  else {
    const idx = atoi(key) ?? 0;
    con.arr[idx < 0 ? idx + con.arr.length : idx] = v;
  }
}

function containerAdd(con: Container, key: string, v: Json): string | undefined {
  if (con.kind === 'object') {
    setKey(con.obj, key, v);
    return undefined;
  }
  if (key === '-') {
    con.arr.push(v);
    return undefined;
  }
  const idx = atoi(key);
  if (idx === undefined) return `value was not a proper array index: '${key}': ${atoiError(key)}`;
  const size = con.arr.length + 1;
  if (idx >= size || idx < -size) return `Unable to access invalid index: ${idx}: ${INVALID_INDEX}`;
  con.arr.splice(idx < 0 ? idx + size : idx, 0, v);
  return undefined;
}

function containerRemove(con: Container, key: string): string | undefined {
  if (con.kind === 'object') {
    if (!hasKey(con.obj, key)) return `Unable to remove nonexistent key: ${key}: ${MISSING}`;
    deleteKey(con.obj, key);
    return undefined;
  }
  const idx = atoi(key);
  if (idx === undefined) return atoiError(key);
  const len = con.arr.length;
  if (idx >= len || idx < -len) return `Unable to access invalid index: ${idx}: ${INVALID_INDEX}`;
  con.arr.splice(idx < 0 ? idx + len : idx, 1);
  return undefined;
}

function opAdd(doc: Json, op: JsonObject): string | undefined {
  const path = pointerField(op, 'path');
  if (!path.ok) return `add operation failed to decode path: ${MISSING}`;
  const found = findContainer(doc, path.p);
  if (found === undefined) return `add operation does not apply: doc is missing path: "${path.p}": ${MISSING}`;
  const err = containerAdd(found.con, found.key, valueOf(op));
  return err === undefined ? undefined : `error in add for path: '${path.p}': ${err}`;
}

function opRemove(doc: Json, op: JsonObject): string | undefined {
  const path = pointerField(op, 'path');
  if (!path.ok) return `remove operation failed to decode path: ${MISSING}`;
  const found = findContainer(doc, path.p);
  if (found === undefined) return `remove operation does not apply: doc is missing path: "${path.p}": ${MISSING}`;
  const err = containerRemove(found.con, found.key);
  return err === undefined ? undefined : `error in remove for path: '${path.p}': ${err}`;
}

function opReplace(root: { doc: Json }, op: JsonObject): string | undefined {
  const path = pointerField(op, 'path');
  if (!path.ok) return `replace operation failed to decode path: ${path.error}`;
  if (path.p === '') {
    const v = valueOf(op);
    if (!Array.isArray(v) && !isJsonObject(v)) return 'replace operation value must be object or array: %!w(<nil>)';
    root.doc = v;
    return undefined;
  }
  const found = findContainer(root.doc, path.p);
  if (found === undefined) return `replace operation does not apply: doc is missing path: ${path.p}: ${MISSING}`;
  if (!containerLookup(found.con, found.key).ok) return `replace operation does not apply: doc is missing key: ${path.p}: ${MISSING}`;
  containerSetExisting(found.con, found.key, valueOf(op));
  return undefined;
}

function opMove(doc: Json, op: JsonObject): string | undefined {
  const from = pointerField(op, 'from');
  if (!from.ok) return `move operation failed to decode from: ${from.error}`;
  const src = findContainer(doc, from.p);
  if (src === undefined) return `move operation does not apply: doc is missing from path: ${from.p}: ${MISSING}`;
  const got = containerLookup(src.con, src.key);
  if (!got.ok) return `error in move for path: '${src.key}': ${got.error}`;
  const rmErr = containerRemove(src.con, src.key);
  if (rmErr !== undefined) return `error in move for path: '${src.key}': ${rmErr}`;
  const path = pointerField(op, 'path');
  if (!path.ok) return `move operation failed to decode path: ${path.error}`;
  const dst = findContainer(doc, path.p);
  if (dst === undefined) return `move operation does not apply: doc is missing destination path: ${path.p}: ${MISSING}`;
  const addErr = containerAdd(dst.con, dst.key, got.v);
  return addErr === undefined ? undefined : `error in move for path: '${path.p}': ${addErr}`;
}

function opTest(doc: Json, op: JsonObject): string | undefined {
  const path = pointerField(op, 'path');
  if (!path.ok) return `test operation failed to decode path: ${path.error}`;
  const failed = `testing value ${path.p} failed: test failed`;
  if (path.p === '') return jsonEqual(doc, valueOf(op)) && hasKey(op, 'value') ? undefined : failed;
  const found = findContainer(doc, path.p);
  if (found === undefined) return `test operation does not apply: is missing path: ${path.p}: ${MISSING}`;
  const got = containerLookup(found.con, found.key);
  if (!got.ok) return `error in test for path: '${path.p}': ${got.error}`;
  // A null or absent member passes against a null or absent value; a present one needs a value.
  if (got.v === null) return valueOf(op) === null ? undefined : failed;
  if (!hasKey(op, 'value')) return failed;
  return jsonEqual(got.v, valueOf(op)) ? undefined : failed;
}

function opCopy(doc: Json, op: JsonObject): string | undefined {
  const from = pointerField(op, 'from');
  if (!from.ok) return `copy operation failed to decode from: ${from.error}`;
  const src = findContainer(doc, from.p);
  if (src === undefined) return `copy operation does not apply: doc is missing from path: ${from.p}: ${MISSING}`;
  const got = containerLookup(src.con, src.key);
  if (!got.ok) return `error in copy for from: '${from.p}': ${got.error}`;
  const path = pointerField(op, 'path');
  if (!path.ok) return `copy operation failed to decode path: ${MISSING}`;
  const dst = findContainer(doc, path.p);
  if (dst === undefined) return `copy operation does not apply: doc is missing destination path: ${path.p}: ${MISSING}`;
  // Copying an absent member copies null, as the library deep-copies its nil node.
  const err = containerAdd(dst.con, dst.key, toJson(got.v));
  return err === undefined ? undefined : `error while adding value during copy: ${err}`;
}
