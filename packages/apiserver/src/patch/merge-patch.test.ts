// application/merge-patch+json: what `kubectl label`, `kubectl annotate`, `kubectl scale` and
// `kubectl patch --type=merge` send.
import { applyPatch } from './index';
import { at, failed, patched, webDeployment } from './test-objects';

const DEPLOYMENT = { group: 'apps', kind: 'Deployment' };
const merge = (patch: unknown) => applyPatch('merge', webDeployment(), patch, DEPLOYMENT);

describe('JSON merge patch', () => {
  it('adds and removes labels as kubectl label sends them (a null deletes)', () => {
    // kubectl label deploy web env=prod tier-
    const r = patched(merge({ metadata: { labels: { env: 'prod', tier: null } } }));
    expect(at(r, 'metadata', 'labels')).toEqual({ app: 'web', env: 'prod' });
  });

  it('overwrites an annotation (kubectl annotate --overwrite) and leaves the rest', () => {
    const r = patched(merge({ metadata: { annotations: { 'deployment.kubernetes.io/revision': '2', note: 'x' } } }));
    expect(at(r, 'metadata', 'annotations')).toEqual({ 'deployment.kubernetes.io/revision': '2', note: 'x' });
    expect(at(r, 'spec')).toEqual(at(webDeployment(), 'spec'));
  });

  it('scales through the spec (kubectl scale --subresource sends the same shape)', () => {
    expect(at(patched(merge({ spec: { replicas: 5 } })), 'spec', 'replicas')).toBe(5);
  });

  it('replaces lists whole: a container patched this way loses its siblings', () => {
    const r = patched(merge({ spec: { template: { spec: { containers: [{ name: 'a', image: 'nginx:1.27' }] } } } }));
    expect(at(r, 'spec', 'template', 'spec', 'containers')).toEqual([{ name: 'a', image: 'nginx:1.27' }]);
  });

  it('prunes nulls from values that have nothing to merge into, in lists too', () => {
    const r = patched(
      merge({
        spec: {
          template: { spec: { nodeSelector: { disk: 'ssd', zone: null }, tolerations: [null, { key: 'k', value: null, operator: 'Exists' }] } },
          paused: null,
        },
      }),
    );
    expect(at(r, 'spec', 'template', 'spec', 'nodeSelector')).toEqual({ disk: 'ssd' });
    expect(at(r, 'spec', 'template', 'spec', 'tolerations')).toEqual([{ key: 'k', operator: 'Exists' }]);
    expect(Object.hasOwn(at(r, 'spec') as object, 'paused')).toBe(false);
  });

  it('replaces a member of a different type whole', () => {
    const r = patched(merge({ spec: { strategy: 'Recreate' } }));
    expect(at(r, 'spec', 'strategy')).toBe('Recreate');
  });

  it('answers a body that is not an object with 400 Invalid JSON Patch', () => {
    for (const body of [null, 'x', 3, true]) {
      expect(failed(merge(body))).toEqual({
        kind: 'Status',
        apiVersion: 'v1',
        metadata: {},
        status: 'Failure',
        message: 'Invalid JSON Patch',
        reason: 'BadRequest',
        code: 400,
      });
    }
  });

  it('answers a list body with 422: the document becomes a list, which is not an object', () => {
    const s = failed(merge([{ a: 1 }, null]));
    expect(s.code).toBe(422);
    expect(s.message).toContain('patch: Invalid value: "[{\\"a\\":1}]": couldn\'t get version/kind');
  });
});
