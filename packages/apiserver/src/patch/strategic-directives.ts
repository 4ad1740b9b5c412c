// The strategic merge directives other than list merging itself: $patch on a map, $retainKeys,
// the checks of $setElementOrder, the key syntax of $deleteFromPrimitiveList/$setElementOrder, and
// the clean-up of values taken from the patch as they are (see strategic-merge.ts).
import type { Json, JsonObject } from './json-value';
import { deleteKey, getKey, goFormat, hasKey, isJsonObject, setKey } from './json-value';
import type { SmpError } from './strategic-errors';
import {
  badPatchFormatForPrimitiveList,
  badPatchFormatForRetainKeys,
  badPatchFormatForSetElementOrderList,
  badPatchType,
  internalError,
  isSmpError,
} from './strategic-errors';
import { DELETE, DIRECTIVE, REPLACE, extractToDeleteItems, hasDirectiveMarker, mergeKeyValueEqual } from './strategic-order';

export const RETAIN_KEYS = '$retainKeys';
export const DELETE_FROM_PRIMITIVE_LIST = '$deleteFromPrimitiveList';
export const SET_ELEMENT_ORDER = '$setElementOrder';

/** `$patch` on a map: `replace` takes the patch map as it is, `delete` empties the map. */
export function handleDirectiveInMergeMap(directive: Json, patch: JsonObject): JsonObject | SmpError {
  if (directive === REPLACE) {
    deleteKey(patch, DIRECTIVE);
    return patch;
  }
  if (directive === DELETE) return {};
  return badPatchType(directive, patch);
}

/**
 * $retainKeys: every non-null key of the patch must be listed, and keys of the live map that are
 * not listed are dropped before merging.
 */
export function applyRetainKeysDirective(original: JsonObject, patch: JsonObject): SmpError | undefined {
  const retain = getKey(patch, RETAIN_KEYS);
  if (retain === undefined) return undefined;
  deleteKey(patch, RETAIN_KEYS);
  if (!Array.isArray(retain)) return badPatchFormatForRetainKeys();
  const keep = new Set<Json>(retain);
  for (const [k, v] of Object.entries(patch)) {
    if (v === null || k.startsWith(DELETE_FROM_PRIMITIVE_LIST) || k.startsWith(SET_ELEMENT_ORDER)) continue;
    if (!keep.has(k)) return badPatchFormatForRetainKeys();
  }
  for (const k of Object.keys(original)) if (!keep.has(k)) deleteKey(original, k);
  return undefined;
}

/**
 * The patch list must be in the order $setElementOrder gives (deletions and directive items
 * aside), and hold nothing the order list lacks.
 */
export function validatePatchWithSetOrderList(patchList: Json[], order: Json[], mergeKey: string): SmpError | undefined {
  if (order.length === 0 || patchList.length === 0) return undefined;
  let nonDelete = patchList;
  if (mergeKey !== '') {
    const split = extractToDeleteItems(patchList);
    if (isSmpError(split)) return split;
    nonDelete = split.keep;
  }
  let p = 0;
  let o = 0;
  while (p < nonDelete.length && o < order.length) {
    const item = nonDelete[p] ?? null;
    if (hasDirectiveMarker(item)) {
      p++;
      continue;
    }
    const eq = mergeKeyValueEqual(item, order[o] ?? null, mergeKey);
    if (isSmpError(eq)) return eq;
    if (eq) p++;
    o++;
  }
  if (p < nonDelete.length && o >= order.length) {
    return internalError(`the order in patch list:\n${goFormat(patchList)}\n doesn't match ${SET_ELEMENT_ORDER} list:\n${goFormat(order)}`);
  }
  return undefined;
}

/** extractKey: "$setElementOrder/containers" -> "containers". */
export function extractKey(s: string, prefix: string): string | SmpError {
  const slash = s.indexOf('/');
  if (slash < 0 || s.slice(0, slash) !== prefix) {
    return prefix === DELETE_FROM_PRIMITIVE_LIST ? badPatchFormatForPrimitiveList() : badPatchFormatForSetElementOrderList();
  }
  return s.slice(slash + 1);
}

/** The field's strategy other than retainKeys (which only matters when computing patches). */
export function extractRetainKeysPatchStrategy(strategies: readonly string[]): string | SmpError {
  if (strategies.length === 0) return '';
  if (strategies.length === 1) return strategies[0] === 'retainKeys' ? '' : (strategies[0] ?? '');
  if (strategies.length === 2 && strategies.includes('retainKeys')) return strategies.find((s) => s !== 'retainKeys') ?? '';
  return internalError(`unexpected patch strategy: ${goFormat([...strategies])}`);
}

/** discardNullValuesFromPatch: null members go, recursively, through maps and lists. */
export function discardNullValues(v: Json): Json {
  if (isJsonObject(v)) {
    for (const [k, e] of Object.entries(v)) {
      if (e === null) deleteKey(v, k);
      else discardNullValues(e);
    }
  } else if (Array.isArray(v)) {
    v.forEach(discardNullValues);
  }
  return v;
}

/** removeDirectives: a map with $patch is dropped (from its parent map or list), recursively. */
export function removeDirectives(v: Json): { keep: true; value: Json } | { keep: false } {
  if (isJsonObject(v)) {
    if (hasKey(v, DIRECTIVE)) return { keep: false };
    for (const [k, e] of Object.entries(v)) {
      const r = removeDirectives(e);
      if (r.keep) setKey(v, k, r.value);
      else deleteKey(v, k);
    }
    return { keep: true, value: v };
  }
  if (Array.isArray(v)) return { keep: true, value: removeDirectivesFromList(v) };
  return { keep: true, value: v };
}

export function removeDirectivesFromList(list: Json[]): Json[] {
  const out: Json[] = [];
  for (const e of list) {
    const r = removeDirectives(e);
    if (r.keep) out.push(r.value);
  }
  return out;
}

export function isDirectiveKey(k: string): boolean {
  return k === DIRECTIVE || k === RETAIN_KEYS || k.startsWith(`${SET_ELEMENT_ORDER}/`) || k.startsWith(`${DELETE_FROM_PRIMITIVE_LIST}/`);
}

/** What typed decoding does to directive keys left in verbatim-taken values: drops them. */
export function stripDirectives(v: Json): void {
  if (Array.isArray(v)) v.forEach(stripDirectives);
  else if (isJsonObject(v)) {
    for (const [k, e] of Object.entries(v)) {
      if (isDirectiveKey(k)) deleteKey(v, k);
      else stripDirectives(e);
    }
  }
}
