// Element order of merged lists in strategic merge patch (apimachinery's normalizeElementOrder and
// friends; design: "preserve order in strategic merge patch"). The precedence is
// $setElementOrder > order in the patch list > order in the live list. Items the patch names keep
// the patch's relative order, items only the server has keep theirs, and the two runs are
// interleaved using the live list; an item the live list does not know (a new one) goes before the
// server-only item it is compared with, which is why a new container or finalizer added by a
// patch lands first.
import type { Json, JsonObject } from './json-value';
import { getKey, goEqual, goFormat, goKind, goTypeName, isJsonObject } from './json-value';
import type { SmpError } from './strategic-errors';
import { badArgType, internalError, noListOfLists, noMergeKey } from './strategic-errors';

/** The element kind of a merge list: objects are matched by merge key, scalars by value. */
export type ElementKind = 'map' | 'scalar';

/** directive marker and values, shared by the merge and order code. */
export const DIRECTIVE = '$patch';
export const DELETE = 'delete';
export const REPLACE = 'replace';
export const MERGE = 'merge';

/** sliceElementType: all elements of the lists must have one Go type, and not be lists. */
export function sliceElementKind(...lists: (readonly Json[])[]): ElementKind | SmpError {
  let prev: string | undefined;
  for (const list of lists) {
    for (const v of list) {
      const k = goKind(v);
      const t = goTypeName(v);
      if (prev === undefined) {
        if (k === 'slice') return noListOfLists();
        prev = t;
      } else if (prev !== t && !(isNumberType(prev) && isNumberType(t))) {
        // Go also tells int64 from float64 apart; JSON numbers here cannot be, so they are one type.
        return internalError(`list element types are not identical: ${goFormat(lists.map((l) => [...l]))}`);
      }
    }
  }
  if (prev === undefined) return internalError('no elements in any of the given slices');
  return prev === 'map[string]interface {}' ? 'map' : 'scalar';
}

function isNumberType(t: string): boolean {
  return t === 'int64' || t === 'float64';
}

/** index(): position of item in list, comparing merge-key values for maps and values otherwise. */
export function indexOf(list: readonly Json[], item: Json, mergeKey: string, kind: ElementKind): number {
  const val = (v: Json): Json | undefined => (kind === 'map' ? (isJsonObject(v) ? (getKey(v, mergeKey) ?? null) : null) : v);
  const want = val(item);
  return list.findIndex((v) => {
    const got = val(v);
    // Go compares two nil interfaces as equal; goEqual keeps map/slice values unequal.
    return (want === null && got === null) || goEqual(want, got);
  });
}

/** deduplicateScalars: the first occurrence stays; a duplicate is overwritten by the last element. */
export function deduplicateScalars(s: Json[]): Json[] {
  const out = [...s];
  let length = out.length - 1;
  for (let i = 0; i < length; i++) {
    for (let j = i + 1; j <= length; j++) {
      if (goEqual(out[i], out[j]) || (out[i] === null && out[j] === null)) {
        out[j] = out[length] ?? null;
        out.length = length;
        length--;
        j--;
      }
    }
  }
  return out;
}

/** Splits merged into the items present in partitionBy and the server-only rest. */
export function partitionByPresence(
  merged: readonly Json[],
  partitionBy: readonly Json[],
  mergeKey: string,
  kind: ElementKind,
): { inPatch: Json[]; serverOnly: Json[] } | SmpError {
  const inPatch: Json[] = [];
  const serverOnly: Json[] = [];
  for (const v of merged) {
    if (kind === 'map') {
      if (!isJsonObject(v)) return badArgType({}, v);
      if (getKey(v, mergeKey) === undefined) return noMergeKey(v, mergeKey);
    }
    if (indexOf(partitionBy, v, mergeKey, kind) >= 0) inPatch.push(v);
    else serverOnly.push(v);
  }
  return { inPatch, serverOnly };
}

/** extractToDeleteItems: items carrying `$patch: delete` apart from the rest. */
export function extractToDeleteItems(l: readonly Json[]): { keep: Json[]; toDelete: Json[] } | SmpError {
  const keep: Json[] = [];
  const toDelete: Json[] = [];
  for (const v of l) {
    if (!isJsonObject(v)) return badArgType({}, v);
    if (getKey(v, DIRECTIVE) === DELETE) toDelete.push(v);
    else keep.push(v);
  }
  return { keep, toDelete };
}

/**
 * normalizeElementOrder: sorts the patch items by patchOrder and the server-only items by
 * serverOrder, then interleaves them by serverOrder.
 */
export function normalizeElementOrder(
  patch: Json[],
  serverOnly: Json[],
  patchOrder: readonly Json[],
  serverOrder: readonly Json[],
  mergeKey: string,
  kind: ElementKind,
): Json[] | SmpError {
  const p = normalizeSliceOrder(patch, patchOrder, mergeKey, kind);
  if (!Array.isArray(p)) return p;
  const s = normalizeSliceOrder(serverOnly, serverOrder, mergeKey, kind);
  if (!Array.isArray(s)) return s;
  return mergeSortedSlice(s, p, serverOrder, mergeKey, kind);
}

function normalizeSliceOrder(toSort: Json[], order: readonly Json[], mergeKey: string, kind: ElementKind): Json[] | SmpError {
  let items = toSort;
  let toDelete: Json[] = [];
  if (kind === 'map') {
    for (const item of [...toSort, ...order]) {
      if (!isJsonObject(item)) return badArgType({}, item);
      if (getKey(item, mergeKey) === undefined) return noMergeKey(item, mergeKey);
    }
    const split = extractToDeleteItems(toSort);
    if (!('keep' in split)) return split;
    items = split.keep;
    toDelete = split.toDelete;
  }
  // sort.SliceStable with Go's comparator, which calls an item "less" whenever either side is
  // missing from order. Insertion sort reproduces Go's result exactly for the block sizes it uses
  // and whenever every item is found, which is the case for every list the merge produces.
  const less = (a: Json, b: Json): boolean => {
    const ia = indexOf(order, a, mergeKey, kind);
    const ib = ia >= 0 ? indexOf(order, b, mergeKey, kind) : -1;
    return ia >= 0 && ib >= 0 ? ia < ib : true;
  };
  const sorted = [...items];
  for (let i = 1; i < sorted.length; i++) {
    for (let j = i; j > 0 && less(sorted[j] ?? null, sorted[j - 1] ?? null); j--) {
      const t = sorted[j] ?? null;
      sorted[j] = sorted[j - 1] ?? null;
      sorted[j - 1] = t;
    }
  }
  return [...sorted, ...toDelete];
}

/**
 * mergeSortedSlice: inserts each server-only item (left) into the patch items (right). A left
 * item goes first only when both are in serverOrder and it comes earlier there.
 */
function mergeSortedSlice(left: Json[], right: Json[], serverOrder: readonly Json[], mergeKey: string, kind: ElementKind): Json[] {
  const out: Json[] = [];
  let i = 0;
  let j = 0;
  while (i < left.length && j < right.length) {
    const li = indexOf(serverOrder, left[i] ?? null, mergeKey, kind);
    const ri = indexOf(serverOrder, right[j] ?? null, mergeKey, kind);
    if (li >= 0 && ri >= 0 && li < ri) out.push(left[i++] ?? null);
    else out.push(right[j++] ?? null);
  }
  return [...out, ...left.slice(i), ...right.slice(j)];
}

/** Merge-key equality of two items (mergeKeyValueEqual); both must be maps with the key. */
export function mergeKeyValueEqual(left: Json, right: Json, mergeKey: string): boolean | SmpError {
  if (mergeKey === '') return goEqual(left, right) || (left === null && right === null);
  if (!isJsonObject(left)) return badArgType({}, left);
  if (!isJsonObject(right)) return badArgType({}, right);
  const l = getKey(left, mergeKey);
  if (l === undefined) return noMergeKey(left, mergeKey);
  const r = getKey(right, mergeKey);
  if (r === undefined) return noMergeKey(right, mergeKey);
  return goEqual(l, r) || (l === null && r === null);
}

export function hasDirectiveMarker(item: Json): item is JsonObject {
  return isJsonObject(item) && getKey(item, DIRECTIVE) !== undefined;
}
