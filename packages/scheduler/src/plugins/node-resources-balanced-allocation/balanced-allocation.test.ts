import { newBalancedAllocation } from './index';
import { info, node, nodeInfo, placements, pod } from '../../testing/fixtures';

describe('NodeResourcesBalancedAllocation', () => {
  it('scores (1 - std of the cpu and memory fractions) * 100', () => {
    const plugin = newBalancedAllocation();
    const p = info(pod('p', { cpu: '1', memory: '4Gi' }));
    // cpu 1/4 = .25, memory 4/16 = .25: perfectly balanced.
    expect(plugin.score(new Map(), p, nodeInfo(node('n', { cpu: '4', memory: '16Gi' })))).toBe(100);
    // cpu 3/4 = .75 (2 already used), memory .25: std .25 -> 75.
    expect(plugin.score(new Map(), p, nodeInfo(node('m', { cpu: '4', memory: '16Gi' }), pod('x', { cpu: '2' })))).toBe(75);
  });

  it('does not score pods that request nothing', () => {
    expect(newBalancedAllocation().preScore(new Map(), info(pod('p')), [], undefined as never).code).toBe('Skip');
  });

  it('tips the balance between otherwise equal nodes', () => {
    // Both nodes have the same free cpu+memory on average, but one would end up lopsided.
    const nodes = [
      nodeInfo(node('lopsided', { cpu: '4', memory: '16Gi' }), pod('x', { cpu: '2' })),
      nodeInfo(node('even', { cpu: '4', memory: '16Gi' }), pod('y', { cpu: '1', memory: '4Gi' })),
    ];
    expect(placements(pod('p', { cpu: '1', memory: '4Gi' }), nodes)).toEqual(new Set(['even']));
  });
});
