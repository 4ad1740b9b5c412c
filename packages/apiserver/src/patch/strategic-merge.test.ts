// The strategic merge engine on a small schema: list order, directives and errors, checked
// against the results apimachinery's own fixtures establish for the same situations.
import type { JsonObject } from './json-value';
import type { PatchSchema } from './patch-meta';
import { strategicMergePatch } from './strategic-merge';
import { SmpError } from './strategic-errors';

/** items: objects merged by name; nums: a set of scalars; plain: a list without strategy. */
const SCHEMA: PatchSchema = {
  fields: {
    items: {
      meta: { strategies: ['merge', 'retainKeys'], mergeKey: 'name' },
      fields: { sub: { meta: { strategies: ['merge'], mergeKey: 'name' } } },
    },
    nums: { meta: { strategies: ['merge'], mergeKey: '' } },
    plain: {},
  },
};

function smp(original: unknown, patch: unknown): JsonObject {
  const r = strategicMergePatch(structuredClone(original) as JsonObject, structuredClone(patch) as JsonObject, SCHEMA);
  if (r instanceof SmpError) throw new Error(`${r.reportedAs}: ${r.message}`);
  return r;
}

function smpError(original: unknown, patch: unknown): SmpError {
  const r = strategicMergePatch(structuredClone(original) as JsonObject, structuredClone(patch) as JsonObject, SCHEMA);
  if (!(r instanceof SmpError)) throw new Error(`merged: ${JSON.stringify(r)}`);
  return r;
}

const names = (o: JsonObject, field = 'items'): unknown[] => (o[field] as JsonObject[]).map((i) => i.name);

describe('merged list order', () => {
  it('unions scalar sets without duplicates', () => {
    expect(smp({ nums: [1, 2] }, { nums: [2, 3] }).nums).toEqual([1, 2, 3]);
  });

  it('puts a new item before the server-only items it cannot be placed against', () => {
    expect(smp({ nums: ['a', 'b'] }, { nums: ['c'] }).nums).toEqual(['c', 'a', 'b']);
    expect(names(smp({ items: [{ name: 'x' }] }, { items: [{ name: 'y' }] }))).toEqual(['y', 'x']);
  });

  it('keeps the order of the patch list for the items it names', () => {
    const r = smp({ items: [{ name: '1' }, { name: '2', v: 'b' }, { name: '3' }] }, { items: [{ name: '3', v: 'c' }, { name: '1', v: 'a' }] });
    expect(r.items).toEqual([{ name: '2', v: 'b' }, { name: '3', v: 'c' }, { name: '1', v: 'a' }]);
  });

  it('follows $setElementOrder over the live order, keeping server-only items', () => {
    const r = smp(
      { items: [{ name: '1', o: 'a' }, { name: '2', o: 'b' }] },
      { '$setElementOrder/items': [{ name: '4' }, { name: '1' }, { name: '2' }, { name: '3' }], items: [{ name: '4' }, { name: '3' }] },
    );
    expect(names(r)).toEqual(['4', '1', '2', '3']);
    expect(r['$setElementOrder/items']).toBeUndefined();
  });

  it('orders against the live list as Go sees it after a deletion and an append', () => {
    // live [1, 2, 4]; kubectl apply deletes 1, adds 3, wants [2, 3]. Kubernetes answers [2, 4, 3]:
    // deleting 1 shifts the live array to [2, 4, 4] and appending 3 writes over the stale 4.
    const r = smp(
      { items: [{ name: '1' }, { name: '2' }, { name: '4' }] },
      { '$setElementOrder/items': [{ name: '2' }, { name: '3' }], items: [{ name: '3' }, { name: '1', $patch: 'delete' }] },
    );
    expect(names(r)).toEqual(['2', '4', '3']);
  });

  it('reorders a list the patch does not otherwise touch', () => {
    const r = smp({ items: [{ name: 'c' }, { name: 'd' }] }, { '$setElementOrder/items': [{ name: 'd' }, { name: 'c' }] });
    expect(names(r)).toEqual(['d', 'c']);
  });

  it('rejects a patch list out of $setElementOrder order', () => {
    const e = smpError(
      { items: [{ name: '1' }, { name: '3' }, { name: '2' }] },
      { '$setElementOrder/items': [{ name: '1' }, { name: '2' }, { name: '3' }], items: [{ name: '3' }, { name: '1' }] },
    );
    expect(e.reportedAs).toBe('Unknown');
    expect(e.message).toBe("the order in patch list:\n[map[name:3] map[name:1]]\n doesn't match $setElementOrder list:\n[map[name:1] map[name:2] map[name:3]]");
  });
});

describe('directives', () => {
  it('$deleteFromPrimitiveList removes values, even from a list without strategy', () => {
    expect(smp({ nums: [1, 2, 3] }, { '$deleteFromPrimitiveList/nums': [2, 9] }).nums).toEqual([1, 3]);
    expect(smp({ plain: [1, 2, 3] }, { '$deleteFromPrimitiveList/plain': [1] }).plain).toEqual([2, 3]);
    expect(smp({ other: 1 }, { '$deleteFromPrimitiveList/nums': [3] })).toEqual({ other: 1 });
  });

  it('$setElementOrder with $deleteFromPrimitiveList, as kubectl apply removes a finalizer', () => {
    const r = smp({ nums: [1, 2, 3, 4] }, { '$setElementOrder/nums': [1, 2, 4], '$deleteFromPrimitiveList/nums': [3] });
    expect(r.nums).toEqual([1, 2, 4]);
  });

  it('$patch: delete in a list item drops every live item with that key', () => {
    const r = smp({ items: [{ name: '1' }, { name: '1' }, { name: '2', v: 'a' }, { name: '3' }] }, { items: [{ name: '1', $patch: 'delete' }, { name: '3', $patch: 'delete' }] });
    expect(r.items).toEqual([{ name: '2', v: 'a' }]);
  });

  it('$patch: replace in a list item makes the list exactly the other items', () => {
    expect(smp({ items: [{ name: '1' }, { name: '2' }] }, { items: [{ $patch: 'replace' }] }).items).toEqual([]);
    expect(smp({ items: [{ name: '1', v: 1 }] }, { items: [{ name: '2' }, { $patch: 'replace' }] }).items).toEqual([{ name: '2' }]);
  });

  it('$patch: replace and delete on a map', () => {
    expect(smp({ m: { a: 1, b: 2 } }, { m: { $patch: 'replace', c: 3 } }).m).toEqual({ c: 3 });
    expect(smp({ m: { a: 1 } }, { m: { $patch: 'delete' } }).m).toEqual({});
    expect(smp({ a: 1, b: 2 }, { $patch: 'replace', other: 'x' })).toEqual({ other: 'x' });
  });

  it('drops a new value that carries $patch instead of storing the directive', () => {
    expect(smp({ a: 1 }, { m: { $patch: 'replace', c: 3 } })).toEqual({ a: 1 });
    expect(smp({}, { items: [{ name: 'x' }, { name: 'y', $patch: 'delete' }] }).items).toEqual([{ name: 'x' }]);
  });

  it('$retainKeys clears live keys not listed', () => {
    const r = smp({ items: [{ name: 'bar' }, { name: 'foo', value: 'a', other: 'x' }] }, { items: [{ $retainKeys: ['name', 'value'], name: 'foo', value: 'b' }] });
    expect(r.items).toEqual([{ name: 'bar' }, { name: 'foo', value: 'b' }]);
  });

  it('$retainKeys must list every key the patch sets', () => {
    const e = smpError({ m: { a: 1 } }, { m: { $retainKeys: ['a'], b: 2 } });
    expect([e.reportedAs, e.message]).toEqual(['BadRequest', 'invalid patch format of retainKeys']);
    expect(smpError({ m: { a: 1 } }, { m: { $retainKeys: 'a' } }).message).toBe('invalid patch format of retainKeys');
  });

  it('refuses $patch: merge and unknown $patch values', () => {
    expect(smpError({ items: [{ name: '1' }] }, { items: [{ $patch: 'merge' }] }).message).toBe('merging lists cannot yet be specified in the patch');
    expect(smpError({ m: { a: 1 } }, { m: { $patch: 'merge', a: 2 } }).message).toBe('unknown patch type: merge in map: map[$patch:merge a:2]');
  });

  it('never leaves a directive key in the result', () => {
    const r = smp({}, { m: { '$setElementOrder/items': [{ name: 'a' }], items: [{ name: 'a', $retainKeys: ['name'] }] } });
    expect(r).toEqual({ m: { items: [{ name: 'a' }] } });
  });
});

describe('merging', () => {
  it('deletes keys set to null, and discards nulls inside new values', () => {
    expect(smp({ a: 1, b: 2 }, { a: null, c: { d: null, e: 1 } })).toEqual({ b: 2, c: { e: 1 } });
  });

  it('merges nested merge lists inside merged items', () => {
    const r = smp({ items: [{ name: 'a', sub: [{ name: 's1', v: 1 }] }] }, { items: [{ name: 'a', sub: [{ name: 's1', w: 2 }] }] });
    expect(r.items).toEqual([{ name: 'a', sub: [{ name: 's1', v: 1, w: 2 }] }]);
  });

  it('replaces lists without a strategy', () => {
    expect(smp({ plain: [{ name: 'a' }, { name: 'b' }] }, { plain: [{ name: 'c' }] }).plain).toEqual([{ name: 'c' }]);
  });

  it('requires the merge key in every patch item', () => {
    const e = smpError({ items: [{ name: '1', value: 'a' }] }, { items: [{ value: 'b', image: 'x' }] });
    expect([e.reportedAs, e.message]).toEqual(['Unknown', 'map: map[image:x value:b] does not contain declared merge key: name']);
  });

  it('refuses lists of lists (422) and mixed element types (500)', () => {
    expect(smpError({ nums: [] }, { nums: [[1]] }).reportedAs).toBe('Unprocessable');
    const mixed = smpError({ nums: ['a'] }, { nums: [{ x: 1 }] });
    expect([mixed.reportedAs, mixed.message]).toEqual(['Unknown', 'list element types are not identical: [[a] [map[x:1]]]']);
  });

  it('refuses malformed directive keys with 400', () => {
    expect(smpError({ nums: [1] }, { $setElementOrder: [1] }).message).toBe('invalid patch format of setElementOrder list');
    expect(smpError({ nums: [1] }, { $deleteFromPrimitiveList: [1] }).message).toBe('invalid patch format of primitive list');
    expect(smpError({ nums: [1] }, { '$setElementOrder/nums': 'x' }).message).toBe('expected a []interface {}, but received a string');
  });
});
