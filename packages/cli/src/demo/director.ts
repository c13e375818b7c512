import type { DemoEvent } from './events';
import { DemoActionFailed, type Story, type StoryStep } from './story';

interface Running {
  story: Story;
  /** The tick from which it may act again (after a pause). */
  readyAt: number;
  /** The tick it last acted at: the one that waited longest goes next. */
  lastActed: number;
  /** Runs for the whole run and does not count towards the stories in progress. */
  perpetual: boolean;
}

export interface DirectorOptions {
  /** Stories that run from start to end beside the others (the environment's outages). */
  perpetual: readonly Story[];
  /** The next story to start whenever fewer than `storiesInProgress` are. */
  nextStory: () => Story;
  /** How many stories are in progress at once besides the perpetual ones (3 by default). */
  storiesInProgress?: number;
}

/** Passes of `step()` that may end or pause stories before it gives up on acting this tick. */
const MAX_PASSES = 32;

/**
 * Interleaves the stories of a run, one action per `step()`: it keeps a few stories in progress,
 * starting new ones as others end, and gives the next action to the ready story that has waited
 * longest. Time is counted in actions (ticks), so a faster rate plays the same script faster. A story
 * whose action fails ends there; the failure is the step's event.
 */
export class DemoDirector {
  private tick = 0;
  private readonly running: Running[] = [];
  private readonly storiesInProgress: number;

  constructor(private readonly options: DirectorOptions) {
    this.storiesInProgress = options.storiesInProgress ?? 3;
    for (const story of options.perpetual) {
      this.running.push({ story, readyAt: 0, lastActed: -1, perpetual: true });
    }
  }

  /** Runs the next action and answers what it did; null when every story is pausing this tick. */
  async step(): Promise<DemoEvent | null> {
    for (let pass = 0; pass < MAX_PASSES; pass++) {
      while (this.running.filter((r) => !r.perpetual).length < this.storiesInProgress) this.start();
      const ready = this.running.filter((r) => r.readyAt <= this.tick);
      if (ready.length === 0) {
        // All pausing: one more story may fill the gap, up to a few beyond the usual number.
        if (this.running.filter((r) => !r.perpetual).length >= this.storiesInProgress + 2) break;
        this.start();
        continue;
      }
      const next = ready.reduce((a, b) => (b.lastActed < a.lastActed ? b : a));
      let result: IteratorResult<StoryStep, void>;
      try {
        result = await next.story.next();
      } catch (err) {
        this.end(next);
        this.tick++;
        if (err instanceof DemoActionFailed) return err.event;
        return {
          kind: 'action-failed',
          actor: { kind: 'demo', name: 'demo' },
          jurisdiction: null,
          what: 'play a story',
          code: 'ERROR',
          reason: (err as Error).message,
        };
      }
      if (result.done) {
        this.end(next);
        continue;
      }
      const step = result.value;
      if ('wait' in step) {
        next.readyAt = this.tick + step.wait;
        continue;
      }
      next.lastActed = this.tick;
      this.tick++;
      return step;
    }
    this.tick++;
    return null;
  }

  /** Ends every story where it stands: between two steps, none is in the middle of a call. */
  async stop(): Promise<void> {
    await Promise.all(this.running.map((r) => r.story.return(undefined)));
    this.running.length = 0;
  }

  private start(): void {
    this.running.push({
      story: this.options.nextStory(),
      readyAt: this.tick,
      lastActed: this.tick - 1,
      perpetual: false,
    });
  }

  private end(running: Running): void {
    this.running.splice(this.running.indexOf(running), 1);
  }
}
