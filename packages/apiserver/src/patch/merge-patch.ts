// RFC 7386 JSON merge patch as evanphx/json-patch's MergePatch applies it for kube-apiserver:
// a null member deletes, objects merge member by member, anything else (arrays included) replaces.
// Where a patch value lands without an object to merge into, its nulls are pruned recursively,
// null elements of arrays included ({"a": [1, null]} stores [1]): the library's pruneNulls.
import type { Json, JsonObject } from './json-value';
import { deleteKey, getKey, isJsonObject, setKey } from './json-value';

/** evanphx's ErrBadJSONPatch text; kube-apiserver returns it as a 400. */
export const BAD_MERGE_PATCH = 'Invalid JSON Patch';

export type MergeResult = { ok: true; doc: Json } | { ok: false; badRequest: string };

/**
 * Applies patch to doc (which is mutated). The body must be an object; an array replaces the whole
 * document (with nulls pruned), which the caller then fails to decode as an object, as
 * kube-apiserver does; null and scalars are a bad patch.
 */
export function applyMergePatch(doc: JsonObject, patch: Json): MergeResult {
  if (Array.isArray(patch)) return { ok: true, doc: pruneArrayNulls(patch) };
  if (!isJsonObject(patch)) return { ok: false, badRequest: BAD_MERGE_PATCH };
  mergeDocs(doc, patch);
  return { ok: true, doc };
}

function mergeDocs(doc: JsonObject, patch: JsonObject): void {
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) {
      deleteKey(doc, k);
      continue;
    }
    const cur = getKey(doc, k);
    setKey(doc, k, cur === undefined || cur === null ? pruneNulls(v) : merge(cur, v));
  }
}

/** merge(cur, patch): only object into object merges; otherwise the (pruned) patch value wins. */
function merge(cur: Json, patch: Json): Json {
  if (!isJsonObject(cur)) return pruneNulls(patch);
  // An object replaced by a non-object keeps the patch value as sent (the library does not prune
  // it on this path).
  if (!isJsonObject(patch)) return patch;
  mergeDocs(cur, patch);
  return cur;
}

function pruneNulls(v: Json): Json {
  if (isJsonObject(v)) {
    for (const [k, e] of Object.entries(v)) {
      if (e === null) deleteKey(v, k);
      else setKey(v, k, pruneNulls(e));
    }
    return v;
  }
  if (Array.isArray(v)) return pruneArrayNulls(v);
  return v;
}

function pruneArrayNulls(a: Json[]): Json[] {
  return a.filter((e) => e !== null).map(pruneNulls);
}
