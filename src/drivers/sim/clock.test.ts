import { setImmediate as turn } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { VirtualClock } from './clock.js';

describe('virtual clock', () => {
  it('fires events in time order, then insertion order at the same time', async () => {
    const clock = new VirtualClock();
    const seen: string[] = [];
    const wait = (s: number, label: string) =>
      clock.sleep(s).then(() => seen.push(`${label}@${clock.now()}`));
    const all = Promise.all([wait(5, 'a'), wait(1, 'b'), wait(5, 'c'), wait(0, 'd'), wait(1, 'e')]);
    await clock.runUntilIdle();
    await all;
    expect(seen).toEqual(['d@0', 'b@1', 'e@1', 'a@5', 'c@5']);
  });

  it('a simulated hour does not wait for an hour of wall time', async () => {
    const clock = new VirtualClock();
    // A property, not a speed target: the virtual hour ends before a real 2-second timer does.
    let timer: NodeJS.Timeout | undefined;
    const first = await Promise.race([
      clock.sleep(3600).then(() => 'virtual hour'),
      new Promise((resolve) => (timer = setTimeout(() => resolve('wall clock'), 2000))),
    ]);
    clearTimeout(timer);
    expect(first).toBe('virtual hour');
    expect(clock.now()).toBe(3600);
  });

  it('lets a caller that sleeps again register its next event before the clock moves on', async () => {
    const clock = new VirtualClock();
    const ticks: number[] = [];
    const ticker = (async () => {
      for (let i = 0; i < 5; i++) {
        await clock.sleep(10);
        await Promise.resolve(); // a few microtasks between wake-up and the next sleep
        await Promise.resolve();
        ticks.push(clock.now());
      }
    })();
    const other = clock.sleep(35);
    await other;
    expect(clock.now()).toBe(35);
    expect(ticks).toEqual([10, 20, 30]);
    await ticker;
    expect(ticks).toEqual([10, 20, 30, 40, 50]);
  });

  it('does not advance while a caller is busy, even across real macrotask turns', async () => {
    const clock = new VirtualClock();
    let woke = false;
    const sleeper = clock.sleep(1).then(() => (woke = true));
    await clock.busy(async () => {
      for (let i = 0; i < 20; i++) await turn();
      expect(woke).toBe(false);
      expect(clock.now()).toBe(0);
    });
    await sleeper;
    expect(woke).toBe(true);
    expect(clock.now()).toBe(1);
  });

  it('a cancelled event never fires and does not move the clock', async () => {
    const clock = new VirtualClock();
    let fired = false;
    const handle = clock.after(100, () => (fired = true));
    handle.cancel();
    await clock.runUntilIdle();
    expect(fired).toBe(false);
    expect(clock.now()).toBe(0);
  });

  it('stands still when nothing waits (quiescent and idle)', async () => {
    const clock = new VirtualClock();
    await clock.runUntilIdle();
    for (let i = 0; i < 5; i++) await turn();
    expect(clock.now()).toBe(0);
    expect(clock.pending).toBe(0);
  });

  it('keeps thousands of events in order (heap)', async () => {
    const clock = new VirtualClock();
    const order: number[] = [];
    // Deterministic pseudo-random times.
    let x = 12345;
    for (let i = 0; i < 2000; i++) {
      x = (x * 1103515245 + 12345) % 2147483648;
      const t = x % 500;
      clock.at(t, () => order.push(t));
    }
    await clock.runUntilIdle();
    expect(order).toHaveLength(2000);
    expect(order).toEqual([...order].sort((a, b) => a - b));
  });
});
