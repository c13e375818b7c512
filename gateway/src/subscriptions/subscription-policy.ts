import { streamKey } from '@ecp/events/event';
import type { Principal } from '@ecp/identity/principal';
import type { Logger } from '@ecp/logging/logger';
import type { Redis } from 'ioredis';
import { Pace } from './replay-pace';
import { type ReplayTurn, ReplayTurns } from './replay-turns';
import { cursorRefusal, cursorRefusalError } from './replay-window';
import type { SubscriptionMetrics } from './subscription-metrics';
import type { PlannedSubscription } from './subscription-planner';

export interface SubscriptionPolicyOptions {
  redis: Redis;
  streamPrefix: string;
  metrics: SubscriptionMetrics;
  logger: Logger;
  /** How many events behind the newest a resume cursor may be; further back it is refused. */
  replayMaxEvents?: number;
  /** Replays one principal may have running at once; more wait their turn. */
  replayConcurrency?: number;
  /** Replays of one principal that may wait for a turn; beyond them a resume is refused. */
  replayWaiting?: number;
  /** Events per second a replay is sent at, after a first second's worth at once. */
  replayEventsPerSecond?: number;
}

/**
 * What a resuming subscription may make the gateway do: the bounds on resuming, so that no subscribe message can make the gateway read, execute or send
 * without end — how far back a cursor may be, how many replays a principal has running and waiting,
 * how fast a replay goes, and how many live events it may gather meanwhile.
 */
export class SubscriptionPolicy {
  /** How far behind the newest a cursor may be, and how many live events a replay may gather. */
  readonly replayMaxEvents: number;
  private readonly turns: ReplayTurns;

  constructor(private readonly options: SubscriptionPolicyOptions) {
    this.replayMaxEvents = options.replayMaxEvents ?? 500;
    const { metrics } = options;
    this.turns = new ReplayTurns(
      { concurrency: options.replayConcurrency ?? 2, waiting: options.replayWaiting ?? 8 },
      () => {
        metrics.replays.set({ state: 'running' }, this.turns.running);
        metrics.replays.set({ state: 'waiting' }, this.turns.waiting);
      },
    );
  }

  /**
   * Admits a resume from `cursor`: refuses a cursor that is not one, whose events are gone or that is
   * too far behind, then takes the principal's next place in its line of replays (RATE_LIMITED when
   * the line is full).
   */
  async admitReplay(planned: PlannedSubscription, cursor: string, principal: Principal): Promise<ReplayTurn> {
    const key = streamKey(this.options.streamPrefix, planned.topic);
    const refusal = await cursorRefusal(this.options.redis, key, cursor, this.replayMaxEvents);
    if (refusal !== undefined) {
      this.refused(refusal, principal, planned.field);
      throw cursorRefusalError(refusal, this.replayMaxEvents);
    }
    try {
      return this.turns.enter(`${principal.kind}:${principal.id}`);
    } catch (err) {
      this.refused('too_many_replays', principal, planned.field);
      throw err;
    }
  }

  /** The pace of one replay. */
  replayPace(): Pace {
    return new Pace(this.options.replayEventsPerSecond ?? 100);
  }

  // Counted, and logged at debug level only: refusals come in floods, and the log names who sent them.
  private refused(reason: string, principal: Principal, field: string): void {
    this.options.metrics.replaysRefused.inc({ reason });
    this.options.logger.debug({ reason, actor: principal.id, field }, 'replay refused');
  }
}
