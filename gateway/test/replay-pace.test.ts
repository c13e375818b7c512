import { describe, expect, it } from 'vitest';
import { type Clock, Pace } from '../src/subscriptions/replay-pace';

/** A clock that moves only when something sleeps on it. */
function fakeClock(): Clock & { slept: number[] } {
  let now = 1_000_000;
  const slept: number[] = [];
  return {
    slept,
    now: () => now,
    sleep: async (ms) => {
      slept.push(ms);
      now += ms;
    },
  };
}

describe('Pace', () => {
  it('lets a second of events go at once, then one every 1/rate seconds', async () => {
    const clock = fakeClock();
    const pace = new Pace(10, clock);
    for (let i = 0; i < 10; i++) await pace.take();
    expect(clock.slept).toEqual([]);
    const start = clock.now();
    for (let i = 0; i < 5; i++) await pace.take();
    expect(clock.now() - start).toBeCloseTo(500);
    expect(clock.slept.every((ms) => ms > 99 && ms < 101)).toBe(true);
  });

  it('refills while idle, never past a second of events', async () => {
    const clock = fakeClock();
    const pace = new Pace(10, clock);
    for (let i = 0; i < 10; i++) await pace.take();
    await clock.sleep(60_000);
    clock.slept.length = 0;
    for (let i = 0; i < 10; i++) await pace.take();
    expect(clock.slept).toEqual([]);
    await pace.take();
    expect(clock.slept).toHaveLength(1);
  });
});
