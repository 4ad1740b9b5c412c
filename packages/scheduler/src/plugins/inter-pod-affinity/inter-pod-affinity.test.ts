import type { Pod } from '@kubemu/api';
import { ERR_REASON_AFFINITY, ERR_REASON_ANTI_AFFINITY, ERR_REASON_EXISTING_ANTI_AFFINITY, newInterPodAffinity } from './index';
import { handle, info, node, nodeInfo, placements, pod, snapshotOf } from '../../testing/fixtures';
import type { NodeInfo } from '../../framework/node-info';

type Spec = Partial<NonNullable<Pod['spec']>>;
const term = (labels: Record<string, string>, topologyKey: string) => ({ labelSelector: { matchLabels: labels }, topologyKey });
const affinity = (labels: Record<string, string>, key: string): Spec => ({ affinity: { podAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [term(labels, key)] } } });
const antiAffinity = (labels: Record<string, string>, key: string): Spec => ({ affinity: { podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [term(labels, key)] } } });

function filter(p: Pod, nodes: NodeInfo[]): Record<string, string> {
  const plugin = newInterPodAffinity(handle());
  const state = new Map<string, unknown>();
  const snap = snapshotOf(...nodes);
  const pre = plugin.preFilter(state, info(p), snap);
  const out: Record<string, string> = {};
  for (const n of nodes) out[n.name] = pre.code === 'Skip' ? 'Success' : (plugin.filter(state, info(p), n).reasons[0] ?? 'Success');
  return out;
}

const zone = (z: string) => ({ labels: { 'topology.kubernetes.io/zone': z } });

describe('InterPodAffinity', () => {
  it('required affinity: lands only in the zone of a matching pod', () => {
    const nodes = () => [nodeInfo(node('a1', zone('a')), pod('cache', { labels: { app: 'cache' } })), nodeInfo(node('a2', zone('a')), pod('filler-a')), nodeInfo(node('b1', zone('b')), pod('filler-b'))];
    const web = pod('web', { labels: { app: 'web' }, ...affinity({ app: 'cache' }, 'topology.kubernetes.io/zone') });
    expect([...placements(web, nodes())].sort()).toEqual(['a1', 'a2']);
    expect(placements(web, nodes(), { without: 'InterPodAffinity' }).has('b1')).toBe(true);
    expect(filter(web, nodes())).toEqual({ a1: 'Success', a2: 'Success', b1: ERR_REASON_AFFINITY });
  });

  it('required affinity to itself: the first pod of a group may go anywhere', () => {
    const self = pod('first', { labels: { app: 'db' }, ...affinity({ app: 'db' }, 'topology.kubernetes.io/zone') });
    expect(filter(self, [nodeInfo(node('a1', zone('a'))), nodeInfo(node('b1', zone('b')))])).toEqual({ a1: 'Success', b1: 'Success' });
    const other = pod('other', { labels: { app: 'web' }, ...affinity({ app: 'db' }, 'topology.kubernetes.io/zone') });
    expect(filter(other, [nodeInfo(node('a1', zone('a')))])).toEqual({ a1: ERR_REASON_AFFINITY });
  });

  it('required anti-affinity: never two replicas on one host', () => {
    const nodes = () => [nodeInfo(node('n1'), pod('web-0', { labels: { app: 'web' } })), nodeInfo(node('n2'))];
    const web = pod('web-1', { labels: { app: 'web' }, ...antiAffinity({ app: 'web' }, 'kubernetes.io/hostname') });
    expect(placements(web, nodes())).toEqual(new Set(['n2']));
    expect(filter(web, nodes())).toEqual({ n1: ERR_REASON_ANTI_AFFINITY, n2: 'Success' });
  });

  it("existing pods' anti-affinity repels the incoming pod", () => {
    const loner = pod('loner', { labels: { app: 'loner' }, ...antiAffinity({ app: 'web' }, 'kubernetes.io/hostname') });
    const nodes = () => [nodeInfo(node('n1'), loner), nodeInfo(node('n2'), pod('filler'))];
    const web = pod('web', { labels: { app: 'web' } });
    expect(placements(web, nodes())).toEqual(new Set(['n2']));
    expect(placements(web, nodes(), { without: 'InterPodAffinity' }).has('n1')).toBe(true);
    expect(filter(web, nodes())).toEqual({ n1: ERR_REASON_EXISTING_ANTI_AFFINITY, n2: 'Success' });
  });

  it('namespaces: a term selects its own namespace unless it names others', () => {
    const nodes = [nodeInfo(node('n1'), pod('other-ns', { namespace: 'prod', labels: { app: 'web' } })), nodeInfo(node('n2'))];
    const web = pod('web', { labels: { app: 'web' }, ...antiAffinity({ app: 'web' }, 'kubernetes.io/hostname') });
    expect(filter(web, nodes)).toEqual({ n1: 'Success', n2: 'Success' });
    const cross = pod('web', {
      labels: { app: 'web' },
      affinity: { podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [{ ...term({ app: 'web' }, 'kubernetes.io/hostname'), namespaces: ['prod'] }] } },
    });
    expect(filter(cross, nodes)).toEqual({ n1: ERR_REASON_ANTI_AFFINITY, n2: 'Success' });
  });

  it('preferred affinity and anti-affinity score the domains', () => {
    const nodes = [nodeInfo(node('with-cache'), pod('cache', { labels: { app: 'cache' } })), nodeInfo(node('empty'), pod('x'))];
    const likes = pod('p', { affinity: { podAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 50, podAffinityTerm: term({ app: 'cache' }, 'kubernetes.io/hostname') }] } } });
    expect(placements(likes, nodes)).toEqual(new Set(['with-cache']));
    const dislikes = pod('q', { affinity: { podAntiAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 50, podAffinityTerm: term({ app: 'cache' }, 'kubernetes.io/hostname') }] } } });
    expect(placements(dislikes, nodes)).toEqual(new Set(['empty']));
  });
});
