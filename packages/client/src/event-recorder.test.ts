import { ManualClock, SeededRng } from '@kubemu/base';
import type { Event, Pod } from '@kubemu/api';
import { EVENTS, EventRecorder } from './event-recorder';
import { FakeApiServer } from './testing/fake-api';
import { settle } from './testing/settle';

const pod: Pod = {
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { namespace: 'web', name: 'web-1', uid: 'u-1', resourceVersion: '42' },
  spec: { containers: [{ name: 'c', image: 'nginx' }] },
};

function setup(): { clock: ManualClock; fake: FakeApiServer; recorder: EventRecorder } {
  const clock = new ManualClock();
  const fake = new FakeApiServer({ clock });
  const recorder = new EventRecorder({ client: fake.client(), component: 'default-scheduler', host: 'cp-1', clock, rng: new SeededRng(5) });
  return { clock, fake, recorder };
}

const events = (fake: FakeApiServer): Event[] => fake.objects<Event>(EVENTS);

describe('EventRecorder', () => {
  it('creates a core/v1 Event describing the object', async () => {
    const { fake, recorder } = setup();
    recorder.eventf(pod, 'Normal', 'Scheduled', 'Successfully assigned %s/%s to %s', 'web', 'web-1', 'node-1');
    await recorder.flush();
    const [e] = events(fake);
    expect(e?.metadata.name).toMatch(/^web-1\.[0-9a-f]{16}$/);
    expect(e).toMatchObject({
      metadata: { namespace: 'web' },
      involvedObject: { kind: 'Pod', namespace: 'web', name: 'web-1', uid: 'u-1', apiVersion: 'v1', resourceVersion: '42' },
      reason: 'Scheduled',
      message: 'Successfully assigned web/web-1 to node-1',
      source: { component: 'default-scheduler', host: 'cp-1' },
      reportingComponent: 'default-scheduler',
      reportingInstance: 'cp-1',
      firstTimestamp: '2026-01-01T00:00:00Z',
      lastTimestamp: '2026-01-01T00:00:00Z',
      count: 1,
      type: 'Normal',
    });
  });

  it('folds an identical event into the existing Event: PATCH count and lastTimestamp', async () => {
    const { clock, fake, recorder } = setup();
    recorder.eventf(pod, 'Warning', 'FailedScheduling', '0/3 nodes are available');
    await recorder.flush();
    clock.advance(5_000);
    recorder.eventf(pod, 'Warning', 'FailedScheduling', '0/3 nodes are available');
    recorder.eventf(pod, 'Warning', 'FailedScheduling', '0/3 nodes are available');
    await recorder.flush();
    const all = events(fake);
    expect(all).toHaveLength(1);
    expect(all[0]).toMatchObject({ count: 3, firstTimestamp: '2026-01-01T00:00:00Z', lastTimestamp: '2026-01-01T00:00:05Z' });
    const patches = fake.actions({ verb: 'patch', resource: 'events' });
    expect(patches).toHaveLength(2);
    expect(patches[1]?.contentType).toBe('application/strategic-merge-patch+json');
    expect(patches[1]?.body).toEqual({ count: 3, lastTimestamp: '2026-01-01T00:00:05Z', message: '0/3 nodes are available' });
    // A different message is a different Event.
    recorder.eventf(pod, 'Warning', 'FailedScheduling', '0/4 nodes are available');
    await recorder.flush();
    expect(events(fake)).toHaveLength(2);
  });

  it('re-creates the Event when the one it would patch is gone', async () => {
    const { fake, recorder } = setup();
    recorder.eventf(pod, 'Normal', 'Pulled', 'pulled');
    await recorder.flush();
    const first = events(fake)[0];
    await fake.client().resource<Event>(EVENTS).namespace('web').delete(first?.metadata.name ?? '');
    recorder.eventf(pod, 'Normal', 'Pulled', 'pulled');
    await recorder.flush();
    expect(events(fake).map((e) => e.count)).toEqual([2]);
    expect(fake.actions({ verb: 'create', resource: 'events' })).toHaveLength(2);
  });

  it('aggregates many similar events with different messages', async () => {
    const { fake, recorder } = setup();
    for (let i = 0; i < 12; i++) recorder.eventf(pod, 'Warning', 'BackOff', `attempt ${i}`);
    await recorder.flush();
    const all = events(fake);
    const combined = all.filter((e) => e.message?.startsWith('(combined from similar events): '));
    expect(all).toHaveLength(10);
    expect(combined).toHaveLength(1);
    expect(combined[0]).toMatchObject({ count: 3, message: '(combined from similar events): attempt 11' });
  });

  it('never blocks the caller; retries while the apiserver is down, then writes', async () => {
    const { clock, fake, recorder } = setup();
    fake.setAvailable(false);
    recorder.eventf(pod, 'Normal', 'Killing', 'Stopping container c');
    recorder.eventf({ kind: 'Node', name: 'node-1', uid: 'n-1', apiVersion: 'v1' }, 'Normal', 'NodeReady', 'Node node-1 status is now: NodeReady');
    await settle();
    expect(events(fake)).toHaveLength(0);
    await clock.advanceAsync(10_000);
    fake.setAvailable(true);
    await clock.advanceAsync(10_000);
    await settle();
    await clock.advanceAsync(10_000);
    await recorder.flush();
    const all = events(fake);
    expect(all.map((e) => e.reason).sort()).toEqual(['Killing', 'NodeReady']);
    // A cluster-scoped object's events go to the default namespace.
    expect(all.find((e) => e.reason === 'NodeReady')?.metadata.namespace).toBe('default');
  });

  it('drops an event the server refuses instead of retrying it', async () => {
    const { fake, recorder } = setup();
    fake.injectFailure({ verb: 'create', resource: 'events', code: 403 });
    recorder.eventf(pod, 'Normal', 'A', 'a');
    recorder.eventf(pod, 'Normal', 'B', 'b');
    await recorder.flush();
    expect(events(fake).map((e) => e.reason)).toEqual(['B']);
  });

  it('the spam filter lets 25 events per object through, then one per 5 minutes', async () => {
    const { clock, fake, recorder } = setup();
    for (let i = 0; i < 30; i++) {
      recorder.eventf(pod, 'Normal', `Reason${i}`, 'm');
      await recorder.flush();
    }
    expect(events(fake)).toHaveLength(25);
    clock.advance(300_000);
    recorder.eventf(pod, 'Normal', 'Later', 'm');
    recorder.eventf(pod, 'Normal', 'Dropped', 'm');
    await recorder.flush();
    expect(events(fake).map((e) => e.reason)).toContain('Later');
    expect(events(fake)).toHaveLength(26);
  });

  describe('maxInFlight', () => {
    const podNamed = (name: string): Pod => ({ ...pod, metadata: { ...pod.metadata, name, uid: `u-${name}` } });

    function hanging(maxInFlight?: number): { fake: FakeApiServer; recorder: EventRecorder } {
      const clock = new ManualClock();
      const fake = new FakeApiServer({ clock });
      fake.injectFailure({ verb: 'create', resource: 'events', error: 'hang', times: Infinity });
      const recorder = new EventRecorder({ client: fake.client(), component: 'default-scheduler', clock, rng: new SeededRng(5), ...(maxInFlight !== undefined ? { maxInFlight } : {}) });
      return { fake, recorder };
    }

    it('writes one event at a time by default', async () => {
      const { fake, recorder } = hanging();
      for (const n of ['a', 'b', 'c']) recorder.eventf(podNamed(n), 'Normal', 'Scheduled', 'assigned %s', n);
      await settle();
      expect(fake.actions({ verb: 'create', resource: 'events' })).toHaveLength(1);
      recorder.shutdown();
    });

    it('writes events about different objects at the same time, up to the limit', async () => {
      const { fake, recorder } = hanging(3);
      for (const n of ['a', 'b', 'c', 'd', 'e']) recorder.eventf(podNamed(n), 'Normal', 'Scheduled', 'assigned %s', n);
      await settle();
      const names = fake.actions({ verb: 'create', resource: 'events' }).map((r) => (r.body as Event).involvedObject.name);
      expect(names).toEqual(['a', 'b', 'c']);
      recorder.shutdown();
    });

    it('never writes two events about one object at the same time', async () => {
      const { fake, recorder } = hanging(4);
      recorder.eventf(podNamed('a'), 'Warning', 'FailedScheduling', 'no fit');
      recorder.eventf(podNamed('a'), 'Normal', 'Scheduled', 'assigned a');
      recorder.eventf(podNamed('b'), 'Normal', 'Scheduled', 'assigned b');
      await settle();
      // The second event about a waits for the first; it also holds back what is queued after it.
      const names = fake.actions({ verb: 'create', resource: 'events' }).map((r) => (r.body as Event).reason);
      expect(names).toEqual(['FailedScheduling']);
      recorder.shutdown();
    });

    it('writes every event once the server answers, none lost', async () => {
      const clock = new ManualClock();
      const fake = new FakeApiServer({ clock });
      const recorder = new EventRecorder({ client: fake.client(), component: 'default-scheduler', clock, rng: new SeededRng(5), maxInFlight: 8 });
      for (let i = 0; i < 50; i++) recorder.eventf(podNamed(`p${i % 20}`), 'Normal', `R${i}`, 'event %d', i);
      await recorder.flush();
      expect(events(fake).map((e) => e.reason).sort()).toEqual(Array.from({ length: 50 }, (_, i) => `R${i}`).sort());
    });
  });
});
