// Strategic merge patch, the server half (apimachinery's StrategicMergeMapPatch with
// MergeParallelList and IgnoreUnmatchedNulls, as kube-apiserver calls it). Maps merge key by key
// with null deleting; lists whose field is tagged patchStrategy=merge merge by their merge key
// (objects) or as a set (scalars); every other list is replaced.
//
// Directives:
//   $patch: replace | delete      in a map: take the map as given / clear it;
//                                 in a list item: replace the whole list / drop the item by key.
//                                 `$patch: merge` is refused there, as in Kubernetes.
//   $retainKeys: [k...]           drop every key of the live map not listed (kubectl apply on
//                                 union types such as a volume source or deployment strategy).
//   $deleteFromPrimitiveList/f    values to remove from the scalar list f.
//   $setElementOrder/f            the order the merged list f must follow (kubectl apply, edit).
//
// Invariant of the result: no directive key survives. Kubernetes gets that from decoding the
// merged map into a Go struct, which drops unknown keys; here stripDirectives does it.
//
// Inputs are mutated: callers pass copies.
import type { Json, JsonObject } from './json-value';
import { deleteKey, getKey, goEqual, goKind, hasKey, isJsonObject, setKey } from './json-value';
import type { PatchSchema } from './patch-meta';
import { lookupField } from './patch-meta';
import {
  DELETE_FROM_PRIMITIVE_LIST,
  SET_ELEMENT_ORDER,
  applyRetainKeysDirective,
  discardNullValues,
  extractKey,
  extractRetainKeysPatchStrategy,
  handleDirectiveInMergeMap,
  removeDirectives,
  removeDirectivesFromList,
  stripDirectives,
  validatePatchWithSetOrderList,
} from './strategic-directives';
import type { SmpError } from './strategic-errors';
import { badArgType, badPatchType, internalError, isSmpError, noMergeKey } from './strategic-errors';
import type { ElementKind } from './strategic-order';
import {
  DELETE,
  DIRECTIVE,
  MERGE,
  REPLACE,
  deduplicateScalars,
  normalizeElementOrder,
  partitionByPresence,
  sliceElementKind,
} from './strategic-order';

/** Applies patch to original and returns the merged object, directive-free. */
export function strategicMergePatch(original: JsonObject, patch: JsonObject, schema: PatchSchema): JsonObject | SmpError {
  const merged = mergeMap(original, patch, schema);
  if (isSmpError(merged)) return merged;
  stripDirectives(merged);
  return merged;
}

function mergeMap(original: JsonObject, patch: JsonObject, schema: PatchSchema): JsonObject | SmpError {
  const directive = getKey(patch, DIRECTIVE);
  if (directive !== undefined) return handleDirectiveInMergeMap(directive, patch);
  const retained = applyRetainKeysDirective(original, patch);
  if (retained !== undefined) return retained;
  const ordered = mergePatchIntoOriginal(original, patch, schema);
  if (ordered !== undefined) return ordered;

  for (const [patchKey, patchV] of Object.entries(patch)) {
    let k = patchKey;
    let isDeleteList = false;
    if (patchKey.startsWith(DELETE_FROM_PRIMITIVE_LIST)) {
      const key = extractKey(patchKey, DELETE_FROM_PRIMITIVE_LIST);
      if (isSmpError(key)) return key;
      k = key;
      isDeleteList = true;
    }
    // A null deletes the key; with IgnoreUnmatchedNulls it never reaches the result.
    if (patchV === null) {
      deleteKey(original, k);
      continue;
    }
    const cur = getKey(original, k);
    if (cur === undefined || goKind(cur) !== goKind(patchV)) {
      // Not mergeable: the patch value is taken, minus its nulls and directive-marked maps.
      if (!isDeleteList) takePatchValue(original, k, discardNullValues(patchV));
      continue;
    }
    const { meta, sub } = lookupField(schema, k);
    const strategy = extractRetainKeysPatchStrategy(meta.strategies);
    if (isSmpError(strategy)) return strategy;
    let merged: Json | SmpError;
    if (isJsonObject(cur) && isJsonObject(patchV)) {
      merged = strategy === REPLACE ? patchV : mergeMap(cur, patchV, sub);
    } else if (Array.isArray(cur) && Array.isArray(patchV)) {
      const r = mergeSliceHandler(cur, patchV, sub, strategy, meta.mergeKey, isDeleteList);
      merged = isSmpError(r) ? r : r.merged;
    } else {
      takePatchValue(original, k, patchV);
      continue;
    }
    if (isSmpError(merged)) return merged;
    setKey(original, k, merged);
  }
  return original;
}

function takePatchValue(original: JsonObject, k: string, v: Json): void {
  const r = removeDirectives(v);
  if (r.keep) setKey(original, k, r.value);
  else deleteKey(original, k);
}

/**
 * $setElementOrder/f: merges list f now (live and patch), orders the result by the directive, and
 * removes f from the patch so the main loop does not merge it again.
 */
function mergePatchIntoOriginal(original: JsonObject, patch: JsonObject, schema: PatchSchema): SmpError | undefined {
  for (const key of Object.keys(patch)) {
    if (!key.startsWith(SET_ELEMENT_ORDER)) continue;
    const order = getKey(patch, key) ?? null;
    deleteKey(patch, key);
    if (!Array.isArray(order)) return badArgType([], order);
    const field = extractKey(key, SET_ELEMENT_ORDER);
    if (isSmpError(field)) return field;
    const originalList = getKey(original, field);
    const patchList = getKey(patch, field);
    if (originalList !== undefined && !Array.isArray(originalList)) return badArgType([], originalList);
    if (patchList !== undefined && !Array.isArray(patchList)) return badArgType([], patchList);
    const { meta, sub } = lookupField(schema, field);
    const strategy = extractRetainKeysPatchStrategy(meta.strategies);
    if (isSmpError(strategy)) return strategy;
    const invalidOrder = validatePatchWithSetOrderList(patchList ?? [], order, meta.mergeKey);
    if (invalidOrder !== undefined) return invalidOrder;

    if (originalList === undefined && patchList === undefined) continue;
    // serverOrder is the live list as this caller now sees it (see GoBacking).
    let merged: Json[];
    let serverOrder: Json[] = originalList ?? [];
    if (patchList === undefined) merged = serverOrder;
    else if (originalList === undefined) merged = removeDirectivesFromList(patchList);
    else {
      const r = mergeSliceHandler(originalList, patchList, sub, strategy, meta.mergeKey, false);
      if (isSmpError(r)) return r;
      merged = r.merged;
      serverOrder = r.view;
    }

    const partKind: ElementKind = meta.mergeKey === '' ? 'scalar' : 'map';
    const parts = partitionByPresence(merged, order, meta.mergeKey, partKind);
    if (isSmpError(parts)) return parts;
    const kind = sliceElementKind(serverOrder, patchList ?? []);
    if (isSmpError(kind)) return kind;
    const both = normalizeElementOrder(parts.inPatch, parts.serverOnly, order, serverOrder, meta.mergeKey, kind);
    if (isSmpError(both)) return both;
    setKey(original, field, both);
    deleteKey(patch, field);
  }
  return undefined;
}

/** A merged list, and the caller's view of the live list afterwards (see GoBacking). */
interface SliceMerge {
  merged: Json[];
  view: Json[];
}

function mergeSliceHandler(
  original: Json[],
  patch: Json[],
  schema: PatchSchema,
  strategy: string,
  mergeKey: string,
  isDeleteList: boolean,
): SliceMerge | SmpError {
  // Delete lists are handled the same way whatever the field's strategy.
  if (strategy === MERGE || isDeleteList) return mergeSlice(original, patch, schema, mergeKey, isDeleteList);
  return { merged: patch, view: original };
}

/**
 * The backing array of a Go slice with the length of one slice header over it. Kubernetes deletes
 * list items with append(s[:i], s[i+1:]...) and appends new ones with append(s, v), both in the
 * live list's own array, so the caller that still holds the live list (of the original length)
 * sees the items shifted left and the appended items written over the stale tail. The
 * $setElementOrder step orders the merged list against exactly that view, and kubectl apply's
 * results depend on it, so it is reproduced here.
 */
interface GoBacking {
  arr: Json[];
  len: number;
}

function mergeSlice(original: Json[], patch: Json[], schema: PatchSchema, mergeKey: string, isDeleteList: boolean): SliceMerge | SmpError {
  if (original.length === 0 && patch.length === 0) return { merged: original, view: original };
  const kind = sliceElementKind(original, patch);
  if (isSmpError(kind)) return kind;
  if (kind === 'scalar') {
    if (isDeleteList) {
      return { merged: original.filter((v) => !patch.some((d) => goEqual(v, d) || (v === null && d === null))), view: original };
    }
    const merged = deduplicateScalars([...original, ...patch]);
    const parts = partitionByPresence(merged, patch, mergeKey, 'scalar');
    if (isSmpError(parts)) return parts;
    const ordered = normalizeElementOrder(parts.inPatch, parts.serverOnly, patch, original, mergeKey, kind);
    return isSmpError(ordered) ? ordered : { merged: ordered, view: original };
  }
  if (mergeKey === '') return internalError('cannot merge lists without merge key for string');
  const backing: GoBacking = { arr: [...original], len: original.length };
  const special = mergeSliceWithSpecialElements(backing, patch, mergeKey);
  if (isSmpError(special)) return special;
  // `$patch: replace` makes the patch's plain items the live list, in an array of their own.
  const live: GoBacking = special.replace ? { arr: [...special.plain], len: special.plain.length } : backing;
  const items = special.replace ? [] : special.plain;
  const liveLen = live.len;
  const m = mergeSliceWithoutSpecialElements(live, items, mergeKey, schema);
  if (isSmpError(m)) return m;
  const merged = live.arr.slice(0, live.len);
  const parts = partitionByPresence(merged, items, mergeKey, 'map');
  if (isSmpError(parts)) return parts;
  const ordered = normalizeElementOrder(parts.inPatch, parts.serverOnly, items, live.arr.slice(0, liveLen), mergeKey, kind);
  return isSmpError(ordered) ? ordered : { merged: ordered, view: backing.arr.slice(0, original.length) };
}

/**
 * Items carrying $patch: `delete` removes the live items with its key (in place, see GoBacking),
 * `replace` makes the list exactly the patch's other items. Returns the patch's plain items.
 */
function mergeSliceWithSpecialElements(live: GoBacking, patch: Json[], mergeKey: string): { replace: boolean; plain: Json[] } | SmpError {
  const plain: Json[] = [];
  let replace = false;
  for (const v of patch) {
    if (!isJsonObject(v)) return badArgType({}, v);
    const directive = getKey(v, DIRECTIVE);
    if (directive === undefined) {
      plain.push(v);
      continue;
    }
    if (directive === DELETE) {
      const value = getKey(v, mergeKey);
      if (value === undefined) return noMergeKey(v, mergeKey);
      const err = deleteMatchingEntries(live, mergeKey, value);
      if (err !== undefined) return err;
    } else if (directive === REPLACE) {
      // Keep going: the other directive items must still be pruned.
      replace = true;
    } else if (directive === MERGE) {
      return internalError('merging lists cannot yet be specified in the patch');
    } else {
      return badPatchType(directive, v);
    }
  }
  return { replace, plain };
}

/** Removes every live item with the key value, shifting the rest left as Go's append does. */
function deleteMatchingEntries(live: GoBacking, mergeKey: string, value: Json): SmpError | undefined {
  for (;;) {
    const idx = findByKey(live, mergeKey, value);
    if (isSmpError(idx)) return idx;
    if (idx < 0) return undefined;
    for (let i = idx; i < live.len - 1; i++) live.arr[i] = live.arr[i + 1] ?? null;
    live.len--;
  }
}

/** findMapInSliceBasedOnKeyValue over the first len items; every item must be a map. */
function findByKey(live: GoBacking, mergeKey: string, value: Json): number | SmpError {
  for (let i = 0; i < live.len; i++) {
    const item = live.arr[i] ?? null;
    if (!isJsonObject(item)) return internalError(`value for key ${i} is not a map.`);
    if (!hasKey(item, mergeKey)) continue;
    const v = getKey(item, mergeKey) ?? null;
    if (goEqual(v, value) || (v === null && value === null)) return i;
  }
  return -1;
}

/**
 * Merges each patch item into the live item with the same key, or appends it (in place while the
 * array has room, see GoBacking). Later patch items see earlier appended ones.
 */
function mergeSliceWithoutSpecialElements(live: GoBacking, patch: Json[], mergeKey: string, schema: PatchSchema): SmpError | undefined {
  for (const v of patch) {
    if (!isJsonObject(v)) return badArgType({}, v);
    const value = getKey(v, mergeKey);
    if (value === undefined) return noMergeKey(v, mergeKey);
    const idx = findByKey(live, mergeKey, value);
    if (isSmpError(idx)) return idx;
    if (idx < 0) {
      if (live.len < live.arr.length) live.arr[live.len] = v;
      else live.arr.push(v);
      live.len++;
      continue;
    }
    const target = live.arr[idx] ?? null;
    const m = mergeMap(isJsonObject(target) ? target : {}, v, schema);
    if (isSmpError(m)) return m;
    live.arr[idx] = m;
  }
  return undefined;
}
