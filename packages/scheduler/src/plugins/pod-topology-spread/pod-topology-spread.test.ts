import type { Pod } from '@kubemu/api';
import { ERR_REASON_CONSTRAINTS_NOT_MATCH, ERR_REASON_NODE_LABEL_NOT_MATCH, newPodTopologySpread } from './index';
import { handle, info, node, nodeInfo, placements, pod, snapshotOf } from '../../testing/fixtures';
import type { NodeInfo } from '../../framework/node-info';

const zone = (z: string) => ({ labels: { 'topology.kubernetes.io/zone': z } });
const spread = (when: 'DoNotSchedule' | 'ScheduleAnyway', maxSkew = 1): Partial<NonNullable<Pod['spec']>> => ({
  topologySpreadConstraints: [{ maxSkew, topologyKey: 'topology.kubernetes.io/zone', whenUnsatisfiable: when, labelSelector: { matchLabels: { app: 'web' } } }],
});
const web = (name: string) => pod(name, { labels: { app: 'web' } });

function filter(p: Pod, nodes: NodeInfo[]): Record<string, string> {
  const plugin = newPodTopologySpread(handle());
  const state = new Map<string, unknown>();
  plugin.preFilter(state, info(p), snapshotOf(...nodes));
  return Object.fromEntries(nodes.map((n) => [n.name, plugin.filter(state, info(p), n).reasons[0] ?? 'Success']));
}

describe('PodTopologySpread', () => {
  it('DoNotSchedule: the pod goes to the zone with fewer matching pods', () => {
    const nodes = () => [nodeInfo(node('a1', zone('a')), web('w0'), web('w1')), nodeInfo(node('b1', zone('b')), web('w2'))];
    const p = pod('w3', { labels: { app: 'web' }, ...spread('DoNotSchedule') });
    expect(placements(p, nodes())).toEqual(new Set(['b1']));
    expect(filter(p, nodes())).toEqual({ a1: ERR_REASON_CONSTRAINTS_NOT_MATCH, b1: 'Success' });
  });

  it('DoNotSchedule: a node without the topology key is out', () => {
    const p = pod('w', { labels: { app: 'web' }, ...spread('DoNotSchedule') });
    expect(filter(p, [nodeInfo(node('a1', zone('a'))), nodeInfo(node('bare'))])).toEqual({ a1: 'Success', bare: ERR_REASON_NODE_LABEL_NOT_MATCH });
  });

  it('ScheduleAnyway: scores toward the emptier zone but does not filter', () => {
    const nodes = [nodeInfo(node('a1', zone('a')), web('w0'), web('w1')), nodeInfo(node('b1', zone('b')), pod('x'), pod('y'))];
    const p = pod('w3', { labels: { app: 'web' }, ...spread('ScheduleAnyway') });
    expect(placements(p, nodes)).toEqual(new Set(['b1']));
    expect(filter(p, nodes)).toEqual({ a1: 'Success', b1: 'Success' });
  });

  it("default spreading: pods of a Service or controller spread over hosts", () => {
    const nodes = [nodeInfo(node('n1'), web('w0'), web('w1')), nodeInfo(node('n2'), pod('x'), pod('y'))];
    expect(placements(web('w2'), nodes, { handle: handle({ defaultSelector: { app: 'web' } }) })).toEqual(new Set(['n2']));
  });
});
