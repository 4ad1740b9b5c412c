import { ManualClock } from '@kubemu/base';
import { SchedulingQueue } from './scheduling-queue';
import { pod } from '../testing/fixtures';
import type { ClusterEvent } from '../framework/interfaces';

const EVENTS: Record<string, readonly ClusterEvent[]> = {
  NodeResourcesFit: ['NodeAdd', 'NodeUpdate', 'AssignedPodDelete'],
  NodeAffinity: ['NodeAdd', 'NodeUpdate'],
};

function setup(): { clock: ManualClock; q: SchedulingQueue } {
  const clock = new ManualClock();
  const q = new SchedulingQueue({ clock, pluginEvents: (p) => EVENTS[p] });
  q.run();
  return { clock, q };
}

async function popName(q: SchedulingQueue): Promise<string | undefined> {
  return (await q.pop())?.podInfo.pod.metadata?.name;
}

/** Pops `name` and fails it as unschedulable by `plugins`. */
async function fail(q: SchedulingQueue, name: string, plugins: string[]): Promise<void> {
  const got = await q.pop();
  expect(got?.podInfo.pod.metadata?.name).toBe(name);
  q.addUnschedulable(got!, q.currentCycle(), new Set(plugins));
}

describe('SchedulingQueue', () => {
  it('pops by priority, then by time of arrival', async () => {
    const { clock, q } = setup();
    q.add(pod('low-early', { priority: 0 }));
    clock.advance(1);
    q.add(pod('high', { priority: 1000 }));
    clock.advance(1);
    q.add(pod('low-late', { priority: 0 }));
    expect([await popName(q), await popName(q), await popName(q)]).toEqual(['high', 'low-early', 'low-late']);
  });

  it('pop waits for a pod to arrive', async () => {
    const { q } = setup();
    const popped = popName(q);
    q.add(pod('late'));
    expect(await popped).toBe('late');
  });

  it('backs off 1 s, 2 s, 4 s, 8 s, then 10 s at most', () => {
    const { q } = setup();
    expect([1, 2, 3, 4, 5, 9].map((n) => q.backoffDuration(n))).toEqual([1000, 2000, 4000, 8000, 10_000, 10_000]);
  });

  it('keeps an unschedulable pod until an event one of its plugins cares about', async () => {
    const { clock, q } = setup();
    q.add(pod('web'));
    await fail(q, 'web', ['NodeAffinity']);
    expect(q.whereIs('default/web')).toBe('unschedulable');
    q.moveAllToActiveOrBackoff('AssignedPodDelete'); // NodeAffinity does not care
    expect(q.whereIs('default/web')).toBe('unschedulable');
    q.moveAllToActiveOrBackoff('NodeAdd');
    // Still within its 1 s backoff: to backoffQ, then to activeQ once the backoff is over.
    expect(q.whereIs('default/web')).toBe('backoff');
    clock.advance(1000);
    expect(q.whereIs('default/web')).toBe('active');
  });

  it('a pod moved after its backoff goes straight to activeQ', async () => {
    const { clock, q } = setup();
    q.add(pod('web'));
    await fail(q, 'web', ['NodeResourcesFit']);
    clock.advance(5000);
    q.moveAllToActiveOrBackoff('AssignedPodDelete');
    expect(q.whereIs('default/web')).toBe('active');
  });

  it('retries unschedulable pods after 5 minutes without any event', async () => {
    const { clock, q } = setup();
    q.add(pod('web'));
    await fail(q, 'web', ['NodeAffinity']);
    clock.advance(270_000);
    expect(q.whereIs('default/web')).toBe('unschedulable');
    clock.advance(60_000);
    expect(q.whereIs('default/web')).toBe('active');
  });

  it('an event during the attempt sends the failed pod to backoffQ, not unschedulablePods', async () => {
    const { clock, q } = setup();
    q.add(pod('web'));
    const got = await q.pop();
    const cycle = q.currentCycle();
    q.moveAllToActiveOrBackoff('NodeAdd'); // a node arrives while the pod is being scheduled
    q.addUnschedulable(got!, cycle, new Set(['NodeAffinity']));
    expect(q.whereIs('default/web')).toBe('backoff');
    clock.advance(1000);
    expect(q.whereIs('default/web')).toBe('active');
  });

  it('a spec change moves an unschedulable pod; a status change does not', async () => {
    const { clock, q } = setup();
    const before = pod('web', { nodeSelector: { disk: 'ssd' } });
    q.add(before);
    await fail(q, 'web', ['NodeAffinity']);
    const statusOnly = { ...before, status: { conditions: [{ type: 'PodScheduled', status: 'False' }] } };
    q.update(before, statusOnly);
    expect(q.whereIs('default/web')).toBe('unschedulable');
    clock.advance(2000);
    q.update(statusOnly, { ...statusOnly, spec: { ...statusOnly.spec!, nodeSelector: {} } });
    expect(q.whereIs('default/web')).toBe('active');
  });

  it('forgets deleted pods wherever they are', async () => {
    const { q } = setup();
    q.add(pod('a'));
    q.add(pod('b'));
    await fail(q, 'a', ['NodeAffinity']);
    q.delete(pod('a'));
    q.delete(pod('b'));
    expect(q.pending()).toEqual({ active: 0, backoff: 0, unschedulable: 0 });
  });

  it('an error sends the pod to backoffQ', async () => {
    const { clock, q } = setup();
    q.add(pod('web'));
    const got = await q.pop();
    q.addUnschedulable(got!, q.currentCycle(), new Set(), true);
    expect(q.whereIs('default/web')).toBe('backoff');
    clock.advance(1000);
    expect(await popName(q)).toBe('web');
  });
});
