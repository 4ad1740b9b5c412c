// `kubectl patch --type=json` and clients sending application/json-patch+json.
import { applyPatch } from './index';
import { applyJsonPatchOps } from './json-patch';
import type { JsonObject } from './json-value';
import { at, failed, patched, webDeployment } from './test-objects';

const DEPLOYMENT = { group: 'apps', kind: 'Deployment' };
const json = (patch: unknown) => applyPatch('json', webDeployment(), patch, DEPLOYMENT);

/** What kube-apiserver sends for any failing operation: the library's message is not included. */
const REJECTED = {
  kind: 'Status',
  apiVersion: 'v1',
  metadata: {},
  status: 'Failure',
  message: 'the server rejected our request due to an error in our request',
  reason: 'Invalid',
  details: {},
  code: 422,
};

/** The library's error text for ops applied to a fresh deployment. */
function libraryError(ops: JsonObject[]): string | undefined {
  const r = applyJsonPatchOps(JSON.parse(JSON.stringify(webDeployment())), ops);
  return r.ok ? undefined : r.error;
}

describe('JSON patch operations', () => {
  it('replaces the image of the first container', () => {
    const r = patched(json([{ op: 'replace', path: '/spec/template/spec/containers/0/image', value: 'nginx:1.27' }]));
    expect(at(r, 'spec', 'template', 'spec', 'containers', 0, 'image')).toBe('nginx:1.27');
    expect(at(r, 'spec', 'template', 'spec', 'containers', 1, 'image')).toBe('busybox:1.36');
  });

  it('adds a label whose key needs ~1 escaping, and appends to a list with "-"', () => {
    const r = patched(
      json([
        { op: 'add', path: '/metadata/labels/app.kubernetes.io~1name', value: 'web' },
        { op: 'add', path: '/spec/template/spec/containers/0/env/-', value: { name: 'DEBUG', value: '1' } },
      ]),
    );
    expect(at(r, 'metadata', 'labels', 'app.kubernetes.io/name')).toBe('web');
    expect(at(r, 'spec', 'template', 'spec', 'containers', 0, 'env', 2)).toEqual({ name: 'DEBUG', value: '1' });
  });

  it('supports the test-then-replace idiom of optimistic updates', () => {
    const r = patched(
      json([
        { op: 'test', path: '/spec/replicas', value: 2 },
        { op: 'replace', path: '/spec/replicas', value: 5 },
      ]),
    );
    expect(at(r, 'spec', 'replicas')).toBe(5);
  });

  it('moves, copies and removes, including by negative index', () => {
    const r = patched(
      json([
        { op: 'copy', from: '/metadata/labels/app', path: '/metadata/labels/copied' },
        { op: 'move', from: '/metadata/labels/tier', path: '/metadata/annotations/tier' },
        { op: 'remove', path: '/spec/template/spec/containers/-1' },
      ]),
    );
    expect(at(r, 'metadata', 'labels')).toEqual({ app: 'web', copied: 'web' });
    expect(at(r, 'metadata', 'annotations', 'tier')).toBe('frontend');
    expect(at(r, 'spec', 'template', 'spec', 'containers', 'length')).toBe(1);
  });

  it('lets replace add an absent member, as the library Kubernetes uses does (RFC 6902 says fail)', () => {
    const r = patched(json([{ op: 'replace', path: '/metadata/labels/new', value: 'x' }]));
    expect(at(r, 'metadata', 'labels', 'new')).toBe('x');
  });

  it('treats a null member as absent: test against null passes, paths cannot cross it', () => {
    expect(patched(json([{ op: 'test', path: '/spec/template/metadata/creationTimestamp', value: null }]))).toBeDefined();
    expect(patched(json([{ op: 'test', path: '/spec/paused', value: null }]))).toBeDefined();
    expect(failed(json([{ op: 'add', path: '/spec/template/metadata/creationTimestamp/x', value: 1 }]))).toEqual(REJECTED);
  });

  it('ignores the first token of a path without a leading slash', () => {
    const r = patched(json([{ op: 'add', path: 'anything/extra', value: 1 }]));
    expect(at(r, 'extra')).toBe(1);
  });

  it('leaves the object unchanged for a null body (no operations)', () => {
    expect(patched(json(null))).toEqual(webDeployment());
  });
});

describe('JSON patch failures', () => {
  it('answers a failing test with a bare 422 Invalid', () => {
    expect(failed(json([{ op: 'test', path: '/spec/replicas', value: 3 }]))).toEqual(REJECTED);
    expect(libraryError([{ op: 'test', path: '/spec/replicas', value: 3 }])).toBe('testing value /spec/replicas failed: test failed');
  });

  it('answers paths that do not exist with the same 422', () => {
    const cases: JsonObject[] = [
      { op: 'remove', path: '/metadata/labels/missing' },
      { op: 'add', path: '/spec/missing/deep', value: 1 },
      { op: 'replace', path: '/spec/template/spec/containers/5', value: {} },
      { op: 'add', path: '/spec/template/spec/containers/3', value: {} },
      { op: 'move', from: '/metadata/missing', path: '/metadata/x' },
      { op: 'test', path: '/spec/template/spec/containers/9', value: 1 },
      { op: 'frobnicate', path: '/spec' },
    ];
    for (const op of cases) expect(failed(json([op]))).toEqual(REJECTED);
    expect(cases.map((op) => libraryError([op]))).toEqual([
      "error in remove for path: '/metadata/labels/missing': Unable to remove nonexistent key: missing: missing value",
      'add operation does not apply: doc is missing path: "/spec/missing/deep": missing value',
      'replace operation does not apply: doc is missing key: /spec/template/spec/containers/5: missing value',
      "error in add for path: '/spec/template/spec/containers/3': Unable to access invalid index: 3: invalid index referenced",
      "error in move for path: 'missing': Unable to remove nonexistent key: missing: missing value",
      "error in test for path: '/spec/template/spec/containers/9': Unable to access invalid index: 9: invalid index referenced",
      'Unexpected kind: frobnicate',
    ]);
  });

  it('applies nothing when a later operation fails', () => {
    const stored = webDeployment();
    const r = applyPatch('json', stored, [{ op: 'replace', path: '/spec/replicas', value: 9 }, { op: 'test', path: '/spec/replicas', value: 2 }], DEPLOYMENT);
    expect(r.ok).toBe(false);
    expect(at(stored, 'spec', 'replicas')).toBe(2);
  });

  it('answers a body that is not a list of operations with 400 and the decoder message', () => {
    expect(failed(json({ op: 'add', path: '/x', value: 1 }))).toEqual({
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: 'json: cannot unmarshal object into Go value of type jsonpatch.Patch',
      reason: 'BadRequest',
      code: 400,
    });
    expect(failed(json(['add'])).message).toBe('json: cannot unmarshal string into Go value of type jsonpatch.Operation');
  });

  it('limits a patch to 10000 operations with 413', () => {
    const ops = Array.from({ length: 10001 }, () => ({ op: 'test', path: '/spec/replicas', value: 2 }));
    expect(failed(json(ops))).toMatchObject({
      code: 413,
      reason: 'RequestEntityTooLarge',
      message: 'Request entity too large: The allowed maximum operations in a JSON patch is 10000, got 10001',
    });
  });

  it('rejects a patch that turns the object into a list, as decoding it fails', () => {
    const s = failed(json([{ op: 'replace', path: '', value: [1] }]));
    expect(s.code).toBe(422);
    expect(s.reason).toBe('Invalid');
    expect(s.message).toBe(
      ' "" is invalid: patch: Invalid value: "[1]": couldn\'t get version/kind; json parse error: json: cannot unmarshal array into Go value of type ' +
        'struct { APIVersion string "json:\\"apiVersion,omitempty\\""; Kind string "json:\\"kind,omitempty\\"" }',
    );
    expect(s.details?.causes?.[0]?.field).toBe('patch');
  });
});
