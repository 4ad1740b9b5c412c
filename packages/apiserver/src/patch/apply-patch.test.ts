import { applyPatch, patchTypeOf, unsupportedPatchType } from './index';
import { at, failed, patched, webDeployment } from './test-objects';

const DEPLOYMENT = { group: 'apps', kind: 'Deployment' };

describe('patchTypeOf', () => {
  it('maps the four patch media types', () => {
    expect(patchTypeOf('application/json-patch+json')).toBe('json');
    expect(patchTypeOf('application/merge-patch+json')).toBe('merge');
    expect(patchTypeOf('application/strategic-merge-patch+json')).toBe('strategic');
    expect(patchTypeOf('application/apply-patch+yaml')).toBe('apply');
  });

  it('ignores parameters after ";" as kube-apiserver does, and nothing else', () => {
    expect(patchTypeOf('application/merge-patch+json; charset=utf-8')).toBe('merge');
    expect(patchTypeOf('application/json')).toBeUndefined();
    expect(patchTypeOf('Application/Merge-Patch+JSON')).toBeUndefined();
    expect(patchTypeOf(' application/merge-patch+json')).toBeUndefined();
    expect(patchTypeOf(undefined)).toBeUndefined();
  });
});

describe('unsupported patch types', () => {
  it('answers server-side apply with 415 listing what is accepted', () => {
    const s = failed(applyPatch('apply', webDeployment(), { spec: { replicas: 3 } }, DEPLOYMENT));
    expect(s).toEqual({
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message:
        'the body of the request was in an unknown format - accepted media types include: ' +
        'application/json-patch+json, application/merge-patch+json, application/strategic-merge-patch+json',
      reason: 'UnsupportedMediaType',
      code: 415,
    });
  });

  it('refuses strategic merge for a custom resource, which has no patch metadata', () => {
    const widget = { apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w' }, spec: { size: 1 } };
    const s = failed(applyPatch('strategic', widget, { spec: { size: 2 } }, { group: 'example.com', kind: 'Widget' }));
    expect(s.code).toBe(415);
    expect(s.message).toBe(
      'the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json',
    );
    // ...while a merge patch of the same object is fine.
    expect(at(patched(applyPatch('merge', widget, { spec: { size: 2 } }, { group: 'example.com', kind: 'Widget' })), 'spec', 'size')).toBe(2);
  });

  it('gives the handler the same 415 for a Content-Type it does not know', () => {
    expect(unsupportedPatchType({ group: '', kind: 'Pod' }).message).toContain('application/strategic-merge-patch+json');
    expect(unsupportedPatchType({ group: '', kind: 'Pod' }).reason).toBe('UnsupportedMediaType');
  });
});

describe('applyPatch', () => {
  it('never modifies the stored object it is given', () => {
    const stored = webDeployment();
    const before = JSON.stringify(stored);
    applyPatch('strategic', stored, { spec: { template: { spec: { containers: [{ name: 'a', image: 'x' }] } } } }, DEPLOYMENT);
    applyPatch('merge', stored, { metadata: { labels: { tier: null } } }, DEPLOYMENT);
    applyPatch('json', stored, [{ op: 'remove', path: '/spec/template/spec/containers/1' }], DEPLOYMENT);
    expect(JSON.stringify(stored)).toBe(before);
  });

  it('treats "__proto__" in a body as an ordinary key', () => {
    const r = patched(applyPatch('merge', webDeployment(), JSON.parse('{"metadata":{"labels":{"__proto__":{"polluted":true}}}}'), DEPLOYMENT));
    const labels = at(r, 'metadata', 'labels') as Record<string, unknown>;
    expect(Object.hasOwn(labels, '__proto__')).toBe(true);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.getPrototypeOf(labels)).toBe(Object.prototype);
  });

  it('rejects an empty body as kube-apiserver does for each type', () => {
    expect(failed(applyPatch('json', webDeployment(), undefined, DEPLOYMENT))).toMatchObject({ code: 400, message: 'unexpected end of JSON input' });
    expect(failed(applyPatch('merge', webDeployment(), undefined, DEPLOYMENT))).toMatchObject({ code: 400, message: 'Invalid JSON Patch' });
    expect(failed(applyPatch('strategic', webDeployment(), undefined, DEPLOYMENT))).toMatchObject({ code: 400, reason: 'BadRequest' });
  });
});
