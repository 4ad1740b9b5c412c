import { ManualClock } from '@kubemu/base';
import { SchedulerCache } from './scheduler-cache';
import { newPodInfo } from '../framework/pod-info';
import { node, pod } from '../testing/fixtures';

function setup(): { clock: ManualClock; cache: SchedulerCache } {
  const clock = new ManualClock();
  const cache = new SchedulerCache({ clock, assumedPodTtlMs: 30_000 });
  cache.addNode(node('n1', { cpu: '4' }));
  cache.addNode(node('n2', { cpu: '4' }));
  return { clock, cache };
}

const bound = (name: string, nodeName: string, cpu = '1') => {
  const p = pod(name, { cpu });
  return { ...p, spec: { ...p.spec!, nodeName } };
};

describe('SchedulerCache', () => {
  it('the next snapshot sees an assumed pod before its binding lands', () => {
    const { cache } = setup();
    cache.assumePod(newPodInfo(bound('web-1', 'n1')));
    const n1 = cache.snapshot().get('n1')!;
    expect(n1.requested.milliCpu).toBe(1000);
    expect(n1.pods.map((p) => p.key)).toEqual(['default/web-1']);
    expect(cache.isAssumed('default/web-1')).toBe(true);
  });

  it('the informer confirms an assumed pod (no double counting), even on another node', () => {
    const { cache } = setup();
    cache.assumePod(newPodInfo(bound('web-1', 'n1')));
    cache.finishBinding('default/web-1');
    cache.addPod(bound('web-1', 'n2'));
    expect(cache.isAssumed('default/web-1')).toBe(false);
    expect(cache.snapshot().get('n1')!.requested.milliCpu).toBe(0);
    expect(cache.snapshot().get('n2')!.requested.milliCpu).toBe(1000);
    expect(cache.podCount()).toBe(1);
  });

  it('an assumed pod whose binding never shows up expires after the TTL', () => {
    const { clock, cache } = setup();
    cache.assumePod(newPodInfo(bound('ghost', 'n1')));
    clock.advance(60_000);
    // The TTL starts when the binding finishes, not when the pod was assumed.
    expect(cache.cleanupExpiredAssumedPods()).toEqual([]);
    cache.finishBinding('default/ghost');
    clock.advance(29_000);
    expect(cache.cleanupExpiredAssumedPods()).toEqual([]);
    clock.advance(1_000);
    expect(cache.cleanupExpiredAssumedPods()).toEqual(['default/ghost']);
    expect(cache.snapshot().get('n1')!.pods).toHaveLength(0);
  });

  it('forgetting a failed assumption frees the node', () => {
    const { cache } = setup();
    cache.assumePod(newPodInfo(bound('web-1', 'n1', '3')));
    cache.forgetPod('default/web-1');
    expect(cache.snapshot().get('n1')!.requested.milliCpu).toBe(0);
    expect(() => cache.assumePod(newPodInfo(bound('web-1', 'n1')))).not.toThrow();
    expect(() => cache.assumePod(newPodInfo(bound('web-1', 'n1')))).toThrow(/can't be assumed/);
  });

  it('keeps pods of a deleted node until they are deleted, and lists only nodes that exist', () => {
    const { cache } = setup();
    cache.addPod(bound('a', 'n1'));
    cache.removeNode(node('n1'));
    expect(cache.snapshot().nodes.map((n) => n.name)).toEqual(['n2']);
    cache.removePod(bound('a', 'n1'));
    expect(cache.nodeInfo('n1')).toBeUndefined();
  });

  it('interleaves nodes across zones', () => {
    const clock = new ManualClock();
    const cache = new SchedulerCache({ clock });
    for (const [n, z] of [['a1', 'a'], ['a2', 'a'], ['b1', 'b'], ['b2', 'b']]) cache.addNode(node(n!, { labels: { 'topology.kubernetes.io/zone': z! } }));
    expect(cache.snapshot().nodes.map((n) => n.name)).toEqual(['a1', 'b1', 'a2', 'b2']);
  });
});
