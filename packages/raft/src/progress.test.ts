import { Inflights } from './inflights';
import { PeerProgress } from './progress';

describe('Inflights', () => {
  it('is a bounded window freed by cumulative acks', () => {
    const w = new Inflights(3);
    w.add(5);
    w.add(7);
    w.add(9);
    expect(w.full()).toBe(true);
    expect(() => w.add(10)).toThrow();
    w.freeLE(7);
    expect(w.count).toBe(1);
    w.add(11);
    w.add(12); // wraps around the ring
    expect(w.full()).toBe(true);
    w.freeFirstOne();
    expect(w.count).toBe(2);
    w.freeLE(100);
    expect(w.count).toBe(0);
  });
});

describe('PeerProgress', () => {
  it('in Probe only the answer to the outstanding probe moves next, using the hint', () => {
    const pr = new PeerProgress(10, 4, false);
    expect(pr.maybeDecrTo(5, 3)).toBe(false); // not the probe we sent (next-1 = 9)
    expect(pr.maybeDecrTo(9, 3)).toBe(true);
    expect(pr.next).toBe(4);
    expect(pr.maybeDecrTo(3, 100)).toBe(true); // a hint above the rejection is capped
    expect(pr.next).toBe(3);
  });

  it('in Replicate a rejection at or below match is stale', () => {
    const pr = new PeerProgress(10, 4, false);
    pr.maybeUpdate(6);
    pr.becomeReplicate();
    pr.optimisticUpdate(12);
    expect(pr.maybeDecrTo(5, 0)).toBe(false);
    expect(pr.maybeDecrTo(9, 0)).toBe(true);
    expect(pr.next).toBe(7);
  });

  it('pauses per state: one probe, a full window, or a pending snapshot', () => {
    const pr = new PeerProgress(1, 1, false);
    expect(pr.isPaused()).toBe(false);
    pr.msgAppFlowPaused = true;
    expect(pr.isPaused()).toBe(true);
    pr.becomeReplicate();
    expect(pr.isPaused()).toBe(false);
    pr.inflights.add(3);
    expect(pr.isPaused()).toBe(true);
    pr.becomeSnapshot(20);
    expect(pr.isPaused()).toBe(true);
    pr.becomeProbe();
    expect(pr.next).toBe(21); // past the snapshot it sent
  });
});
