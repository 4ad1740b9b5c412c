import { newNodeAffinity, ERR_REASON_POD } from './index';
import { handle, info, node, nodeInfo, placements, pod, snapshotOf } from '../../testing/fixtures';
import type { Pod } from '@kubemu/api';

type Req = { key: string; operator: string; values?: string[] };
const required = (...exprs: Req[]): Partial<NonNullable<Pod['spec']>> => ({
  affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: exprs }] } } },
});

function fits(p: Pod, labels: Record<string, string>): boolean {
  const plugin = newNodeAffinity();
  const state = new Map<string, unknown>();
  const n = nodeInfo(node('n1', { labels }));
  const pre = plugin.preFilter(state, info(p), snapshotOf(n));
  if (pre.code === 'Skip') return true;
  return plugin.filter(state, info(p), n).code === 'Success';
}

describe('NodeAffinity', () => {
  it('a nodeSelector pod must not land on the unlabeled node', () => {
    const p = pod('web', { nodeSelector: { disk: 'ssd' } });
    const nodes = () => [nodeInfo(node('plain')), nodeInfo(node('fast', { labels: { disk: 'ssd' } }))];
    expect(placements(p, nodes())).toEqual(new Set(['fast']));
    // Without the plugin the pod also lands on the unlabeled node: the filter is what keeps it off.
    expect(placements(p, nodes(), { without: 'NodeAffinity' }).has('plain')).toBe(true);
  });

  it('rejects with the Kubernetes reason, as UnschedulableAndUnresolvable', () => {
    const plugin = newNodeAffinity();
    const p = info(pod('web', { nodeSelector: { disk: 'ssd' } }));
    const state = new Map<string, unknown>();
    const n = nodeInfo(node('n1'));
    plugin.preFilter(state, p, snapshotOf(n));
    expect(plugin.filter(state, p, n)).toEqual({ code: 'UnschedulableAndUnresolvable', reasons: [ERR_REASON_POD] });
  });

  it.each([
    ['In', { key: 'zone', operator: 'In', values: ['a', 'b'] }, { zone: 'b' }, true],
    ['In (miss)', { key: 'zone', operator: 'In', values: ['a'] }, { zone: 'b' }, false],
    ['NotIn', { key: 'zone', operator: 'NotIn', values: ['a'] }, { zone: 'b' }, true],
    ['NotIn (absent key)', { key: 'zone', operator: 'NotIn', values: ['a'] }, {}, true],
    ['NotIn (miss)', { key: 'zone', operator: 'NotIn', values: ['a'] }, { zone: 'a' }, false],
    ['Exists', { key: 'gpu', operator: 'Exists' }, { gpu: '' }, true],
    ['Exists (miss)', { key: 'gpu', operator: 'Exists' }, {}, false],
    ['DoesNotExist', { key: 'gpu', operator: 'DoesNotExist' }, {}, true],
    ['DoesNotExist (miss)', { key: 'gpu', operator: 'DoesNotExist' }, { gpu: 'x' }, false],
    ['Gt', { key: 'cores', operator: 'Gt', values: ['8'] }, { cores: '16' }, true],
    ['Gt (equal)', { key: 'cores', operator: 'Gt', values: ['8'] }, { cores: '8' }, false],
    ['Gt (not a number)', { key: 'cores', operator: 'Gt', values: ['8'] }, { cores: 'many' }, false],
    ['Lt', { key: 'cores', operator: 'Lt', values: ['8'] }, { cores: '4' }, true],
    ['Lt (miss)', { key: 'cores', operator: 'Lt', values: ['8'] }, { cores: '9' }, false],
  ])('required %s', (_name, expr, labels, want) => {
    expect(fits(pod('p', required(expr as Req)), labels as Record<string, string>)).toBe(want);
  });

  it('ORs terms and ANDs expressions within a term; matchFields metadata.name', () => {
    const p = pod('p', {
      affinity: {
        nodeAffinity: {
          requiredDuringSchedulingIgnoredDuringExecution: {
            nodeSelectorTerms: [
              { matchExpressions: [{ key: 'a', operator: 'Exists' }, { key: 'b', operator: 'Exists' }] },
              { matchFields: [{ key: 'metadata.name', operator: 'In', values: ['n1'] }] },
            ],
          },
        },
      },
    });
    expect(fits(p, { a: '1' })).toBe(true); // second term: the node is n1
    const other = pod('q', required({ key: 'a', operator: 'Exists' }, { key: 'b', operator: 'Exists' }));
    expect(fits(other, { a: '1' })).toBe(false);
    expect(fits(other, { a: '1', b: '2' })).toBe(true);
  });

  it('prefers nodes matching heavier preferred terms', () => {
    const p = pod('web', {
      affinity: {
        nodeAffinity: {
          preferredDuringSchedulingIgnoredDuringExecution: [
            { weight: 10, preference: { matchExpressions: [{ key: 'tier', operator: 'In', values: ['gold'] }] } },
            { weight: 1, preference: { matchExpressions: [{ key: 'tier', operator: 'In', values: ['silver'] }] } },
          ],
        },
      },
    });
    const nodes = [nodeInfo(node('bronze')), nodeInfo(node('silver', { labels: { tier: 'silver' } })), nodeInfo(node('gold', { labels: { tier: 'gold' } }))];
    expect(placements(p, nodes, { handle: handle() })).toEqual(new Set(['gold']));
  });
});
