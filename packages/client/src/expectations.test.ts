import { ManualClock } from '@kubemu/base';
import { ControllerExpectations, EXPECTATIONS_TTL_MS, UIDTrackingExpectations } from './expectations';

describe('ControllerExpectations', () => {
  it('is satisfied without expectations, and again once every expected creation is observed', () => {
    const e = new ControllerExpectations(new ManualClock());
    expect(e.satisfiedExpectations('ns/rs')).toBe(true);
    e.expectCreations('ns/rs', 2);
    expect(e.satisfiedExpectations('ns/rs')).toBe(false);
    e.creationObserved('ns/rs');
    expect(e.satisfiedExpectations('ns/rs')).toBe(false);
    e.creationObserved('ns/rs');
    expect(e.satisfiedExpectations('ns/rs')).toBe(true);
    e.expectDeletions('ns/rs', 1);
    expect(e.satisfiedExpectations('ns/rs')).toBe(false);
    e.lowerExpectations('ns/rs', 0, 1); // the delete call failed: it will never be observed
    expect(e.satisfiedExpectations('ns/rs')).toBe(true);
  });

  it('expires after the 5 minute TTL so that a lost event cannot stall an owner', () => {
    const clock = new ManualClock();
    const e = new ControllerExpectations(clock);
    e.expectCreations('k', 3);
    clock.advance(EXPECTATIONS_TTL_MS);
    expect(e.satisfiedExpectations('k')).toBe(false);
    clock.advance(1);
    expect(e.satisfiedExpectations('k')).toBe(true);
    e.deleteExpectations('k');
    expect(e.getExpectations('k')).toBeUndefined();
  });
});

describe('UIDTrackingExpectations', () => {
  it('counts each expected deletion once, however often it is observed', () => {
    const e = new UIDTrackingExpectations(new ManualClock());
    e.expectDeletions('ns/rs', ['ns/p1', 'ns/p2']);
    e.deletionObserved('ns/rs', 'ns/p1');
    e.deletionObserved('ns/rs', 'ns/p1');
    e.deletionObserved('ns/rs', 'ns/other');
    expect(e.satisfiedExpectations('ns/rs')).toBe(false);
    expect([...(e.getUIDs('ns/rs') ?? [])]).toEqual(['ns/p2']);
    e.deletionObserved('ns/rs', 'ns/p2');
    expect(e.satisfiedExpectations('ns/rs')).toBe(true);
  });
});
