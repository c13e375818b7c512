import { describe, expect, it } from 'vitest';
import { ReplayTurns } from '../src/subscriptions/replay-turns';

/** Whether a promise has settled, without waiting for it. */
async function settled(promise: Promise<unknown>): Promise<boolean> {
  let done = false;
  void promise.then(() => {
    done = true;
  });
  await new Promise((r) => setImmediate(r));
  return done;
}

describe('ReplayTurns', () => {
  it('runs `concurrency` at once per principal, starts the waiting in order, and refuses past the line', async () => {
    let changes = 0;
    const turns = new ReplayTurns({ concurrency: 2, waiting: 2 }, () => changes++);
    const [a, b, c, d] = ['a', 'b', 'c', 'd'].map(() => turns.enter('alice'));
    expect(() => turns.enter('alice')).toThrow(
      expect.objectContaining({ code: 'RATE_LIMITED', httpStatus: 429 }),
    );
    const other = turns.enter('bob');
    expect(await other.ready).toBe(true);
    expect(await a!.ready).toBe(true);
    expect(await b!.ready).toBe(true);
    expect(await settled(c!.ready)).toBe(false);
    expect([turns.running, turns.waiting]).toEqual([3, 2]);

    b!.leave();
    b!.leave(); // twice is once
    expect(await c!.ready).toBe(true);
    expect(await settled(d!.ready)).toBe(false);
    a!.leave();
    expect(await d!.ready).toBe(true);
    expect([turns.running, turns.waiting]).toEqual([3, 0]);
    expect(changes).toBeGreaterThan(0);
  });

  it('gives a waiting place up without running it, and frees it for the next', async () => {
    const turns = new ReplayTurns({ concurrency: 1, waiting: 1 });
    const running = turns.enter('alice');
    const waiting = turns.enter('alice');
    expect(() => turns.enter('alice')).toThrow(expect.objectContaining({ code: 'RATE_LIMITED' }));
    waiting.leave();
    expect(await waiting.ready).toBe(false);
    const next = turns.enter('alice');
    running.leave();
    expect(await next.ready).toBe(true);
    next.leave();
    expect([turns.running, turns.waiting]).toEqual([0, 0]);
  });
});
