import { RateLimitedError } from '@ecp/errors/errors';

/** A place in a principal's line of replays. */
export interface ReplayTurn {
  /** True once the replay may run; false if its place was given up first. */
  readonly ready: Promise<boolean>;
  /** Ends the replay, or gives up its place if it has not started. Calling it again does nothing. */
  leave(): void;
}

export interface ReplayLimits {
  /** Replays one principal may have running at once. */
  concurrency: number;
  /** Replays of one principal that may wait for a turn; beyond them a replay is refused. */
  waiting: number;
}

interface Line {
  running: number;
  waiting: (() => void)[];
}

/**
 * Who may replay now. Each principal has at most `concurrency` replays running on this gateway, in the
 * order they were asked for; up to `waiting` more wait their turn, and beyond them a replay is refused
 * (RATE_LIMITED). Waiting, rather than refusing, is what lets a dashboard that resumes more
 * subscriptions than `concurrency` after a reconnect get every one of them; the bound on the line keeps
 * one credential from making the gateway replay without end.
 */
export class ReplayTurns {
  private readonly lines = new Map<string, Line>();
  /** Replays running and waiting, over every principal (for the gauges). */
  running = 0;
  waiting = 0;

  constructor(
    private readonly limits: ReplayLimits,
    /** Called whenever `running` or `waiting` changes. */
    private readonly onChange: () => void = () => {},
  ) {}

  /** Takes a place in the line of `who` (a principal); throws RateLimitedError when the line is full. */
  enter(who: string): ReplayTurn {
    let line = this.lines.get(who);
    if (!line) {
      line = { running: 0, waiting: [] };
      this.lines.set(who, line);
    }
    const current = line;
    let state: 'waiting' | 'running' | 'left';
    let resolve: (run: boolean) => void = () => {};
    const ready = new Promise<boolean>((r) => {
      resolve = r;
    });
    const start = () => {
      state = 'running';
      current.running++;
      this.running++;
      resolve(true);
    };
    if (current.running < this.limits.concurrency) {
      start();
    } else if (current.waiting.length < this.limits.waiting) {
      state = 'waiting';
      current.waiting.push(start);
      this.waiting++;
    } else {
      throw new RateLimitedError(
        `You have ${current.running} replays running on this gateway and ${current.waiting.length} waiting their turn, the most it allows: subscribe again with the same cursor once one has finished.`,
      );
    }
    this.onChange();
    return {
      ready,
      leave: () => {
        if (state === 'left') return;
        if (state === 'running') {
          current.running--;
          this.running--;
          const next = current.waiting.shift();
          if (next) {
            this.waiting--;
            next();
          }
        } else {
          current.waiting.splice(current.waiting.indexOf(start), 1);
          this.waiting--;
          resolve(false);
        }
        state = 'left';
        if (current.running === 0 && current.waiting.length === 0) this.lines.delete(who);
        this.onChange();
      },
    };
  }
}
