// PATCH bodies applied to a stored object: the pure core of kube-apiserver's patch handler
// (endpoints/handlers/patch.go), from the Content-Type to the patched object or the Status the
// client would get. What comes after in Kubernetes (decoding with defaults, admission, validation,
// the name/namespace check, storing) is the caller's.
import type { KubeObject, Status } from '@kubemu/api';
import type { Json, JsonObject } from './json-value';
import { isJsonObject, toJson } from './json-value';
import { MAX_JSON_PATCH_OPERATIONS, applyJsonPatchOps, decodeJsonPatch } from './json-patch';
import { applyMergePatch } from './merge-patch';
import { isBuiltinKind, patchSchemaFor } from './patch-meta';
import type { PatchStatus } from './status';
import {
  badRequest,
  genericUnprocessable,
  requestEntityTooLarge,
  undecodablePatchResult,
  unknownServerError,
  unsupportedMediaType,
} from './status';
import { strategicMergePatch } from './strategic-merge';
import { isSmpError } from './strategic-errors';

export type PatchType = 'json' | 'merge' | 'strategic' | 'apply';

/** The media type of each patch type (types.PatchType in apimachinery). */
export const PATCH_CONTENT_TYPES: Readonly<Record<PatchType, string>> = {
  json: 'application/json-patch+json',
  merge: 'application/merge-patch+json',
  strategic: 'application/strategic-merge-patch+json',
  apply: 'application/apply-patch+yaml',
};

/** The kind being patched: built-in kinds accept strategic merge, custom resources do not. */
export interface PatchTarget {
  kind: string;
  group: string;
}

export type PatchResult = { ok: true; object: KubeObject } | { ok: false; status: Status };

/**
 * The patch type a Content-Type names. Parameters after ';' are ignored, as kube-apiserver strips
 * them; the comparison is otherwise exact (no case folding, no trimming).
 */
export function patchTypeOf(contentType: string | undefined): PatchType | undefined {
  if (contentType === undefined) return undefined;
  const semi = contentType.indexOf(';');
  const mediaType = semi > 0 ? contentType.slice(0, semi) : contentType;
  for (const [type, media] of Object.entries(PATCH_CONTENT_TYPES) as [PatchType, string][]) {
    if (media === mediaType) return type;
  }
  return undefined;
}

/**
 * The media types PATCH accepts for target, in kube-apiserver's order. Server-side apply is not
 * implemented, so unlike Kubernetes the list omits application/apply-patch+yaml.
 */
export function acceptedPatchTypes(target: PatchTarget): string[] {
  const types = [PATCH_CONTENT_TYPES.json, PATCH_CONTENT_TYPES.merge];
  if (isBuiltinKind(target.group, target.kind)) types.push(PATCH_CONTENT_TYPES.strategic);
  return types;
}

/** The 415 for a Content-Type PATCH does not accept for target (or no Content-Type at all). */
export function unsupportedPatchType(target: PatchTarget): PatchStatus {
  return unsupportedMediaType(acceptedPatchTypes(target));
}

/**
 * Applies a parsed PATCH body to original (which is not modified). `patch` is the body as parsed
 * JSON; undefined stands for an empty body.
 */
export function applyPatch(type: PatchType, original: KubeObject, patch: unknown, schema: PatchTarget): PatchResult {
  switch (type) {
    case 'json':
      return jsonPatch(original, patch);
    case 'merge':
      return mergePatch(original, patch);
    case 'strategic':
      if (!isBuiltinKind(schema.group, schema.kind)) return fail(unsupportedPatchType(schema));
      return strategicPatch(original, patch, schema);
    case 'apply':
      return fail(unsupportedPatchType(schema));
  }
}

/** encoding/json's error for an empty body. */
const EMPTY_BODY = 'unexpected end of JSON input';

function jsonPatch(original: KubeObject, body: unknown): PatchResult {
  if (body === undefined) return fail(badRequest(EMPTY_BODY));
  const decoded = decodeJsonPatch(toJson(body));
  if (!decoded.ok) return fail(badRequest(decoded.message));
  if (decoded.ops.length > MAX_JSON_PATCH_OPERATIONS) {
    return fail(
      requestEntityTooLarge(`The allowed maximum operations in a JSON patch is ${MAX_JSON_PATCH_OPERATIONS}, got ${decoded.ops.length}`),
    );
  }
  const applied = applyJsonPatchOps(toJson(original), decoded.ops);
  if (!applied.ok) return fail(genericUnprocessable());
  return asObject(applied.doc);
}

function mergePatch(original: KubeObject, body: unknown): PatchResult {
  const doc = toJson(original);
  if (body === undefined || !isJsonObject(doc)) return fail(badRequest('Invalid JSON Patch'));
  const merged = applyMergePatch(doc, toJson(body));
  if (!merged.ok) return fail(badRequest(merged.badRequest));
  return asObject(merged.doc);
}

function strategicPatch(original: KubeObject, body: unknown, target: PatchTarget): PatchResult {
  if (body === undefined) return fail(badRequest(EMPTY_BODY));
  const patch = toJson(body);
  const doc = toJson(original);
  if (!isJsonObject(doc)) return fail(badRequest('invalid JSON document'));
  // The body is decoded into a map: null leaves it empty, anything but an object is a 400.
  if (patch === null) return asObject(doc);
  if (!isJsonObject(patch)) return fail(badRequest(`json: cannot unmarshal ${jsonTypeWord(patch)} into Go value of type map[string]interface {}`));
  const merged = strategicMergePatch(doc, patch, patchSchemaFor(target.group, target.kind));
  if (isSmpError(merged)) {
    switch (merged.reportedAs) {
      case 'BadRequest':
        return fail(badRequest(merged.message));
      case 'Unprocessable':
        return fail(genericUnprocessable());
      case 'Unknown':
        return fail(unknownServerError(merged.message));
    }
  }
  return asObject(merged);
}

function jsonTypeWord(v: Json): string {
  if (Array.isArray(v)) return 'array';
  return typeof v === 'boolean' ? 'bool' : typeof v;
}

/**
 * The patched document must decode as an object; an array (a merge patch body that is an array, or
 * a json patch replacing "") fails the way the JSON serializer's version/kind sniffing fails.
 */
function asObject(doc: Json): PatchResult {
  if (isJsonObject(doc)) return { ok: true, object: doc as JsonObject as KubeObject };
  const detail =
    `couldn't get version/kind; json parse error: json: cannot unmarshal ${Array.isArray(doc) ? 'array' : jsonTypeWord(doc)} ` +
    'into Go value of type struct { APIVersion string "json:\\"apiVersion,omitempty\\""; Kind string "json:\\"kind,omitempty\\"" }';
  return fail(undecodablePatchResult(JSON.stringify(doc), detail));
}

function fail(status: PatchStatus): PatchResult {
  return { ok: false, status };
}
