import { ManualClock } from './clock';

describe('ManualClock', () => {
  it('fires timers in due order, ties in creation order, only when time reaches them', () => {
    const clock = new ManualClock();
    const fired: string[] = [];
    clock.setTimeout(() => fired.push('b@20'), 20);
    clock.setTimeout(() => fired.push('a@10'), 10);
    clock.setTimeout(() => fired.push('c@20'), 20);
    clock.advance(9);
    expect(fired).toEqual([]);
    clock.advance(11);
    expect(fired).toEqual(['a@10', 'b@20', 'c@20']);
    expect(clock.now()).toBe(20);
  });

  it('repeats intervals and stops them on cancel', () => {
    const clock = new ManualClock();
    let n = 0;
    const t = clock.setInterval(() => n++, 10);
    clock.advance(35);
    expect(n).toBe(3);
    t.cancel();
    clock.advance(100);
    expect(n).toBe(3);
    expect(clock.pending()).toBe(0);
  });

  it('resolves sleep when advanced asynchronously', async () => {
    const clock = new ManualClock();
    const order: string[] = [];
    const p = clock.sleep(50).then(() => order.push('woke'));
    await clock.advanceAsync(49);
    expect(order).toEqual([]);
    await clock.advanceAsync(1);
    await p;
    expect(order).toEqual(['woke']);
  });
});
