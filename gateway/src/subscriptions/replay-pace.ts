/** Time, for what waits on it; tests pass their own. */
export interface Clock {
  now(): number;
  sleep(ms: number): Promise<void>;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};

/**
 * The pace of one replay, a token bucket: a second's worth of events may go at once (so a client that
 * missed a few gets them without delay), then `perSecond`. Each `take()` reserves the next slot and
 * waits for it, so after any time t at most `perSecond × (1 + t)` events have gone.
 */
export class Pace {
  private tokens: number;
  private last: number;

  constructor(
    private readonly perSecond: number,
    private readonly clock: Clock = systemClock,
  ) {
    this.tokens = perSecond;
    this.last = clock.now();
  }

  async take(): Promise<void> {
    const now = this.clock.now();
    this.tokens = Math.min(this.perSecond, this.tokens + ((now - this.last) * this.perSecond) / 1000);
    this.last = now;
    this.tokens -= 1;
    if (this.tokens < 0) await this.clock.sleep((-this.tokens * 1000) / this.perSecond);
  }
}
