import type { Logger } from '@ecp/logging/logger';
import type { Redis } from 'ioredis';
import { RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';

export interface Charge {
  allowed: boolean;
  /** Whole seconds until the caller's window resets (what `Retry-After` says when refused). */
  retryAfterSeconds: number;
  /** `RateLimit-Policy` and `RateLimit` (IETF draft-ietf-httpapi-ratelimit-headers), and `Retry-After` when refused. */
  headers: Record<string, string>;
}

/**
 * A budget of cost points per principal per window, kept in Redis so every gateway replica spends
 * from the same one. An operation is charged what `operationCost` prices it at, so one page of a
 * hundred rows costs what a hundred single-row reads cost. When Redis cannot be asked, operations
 * pass uncharged (logged): the limiter guards capacity, and refusing everyone would take it all.
 */
export class CostRateLimiter {
  private readonly limiter: RateLimiterRedis;
  readonly windowSeconds: number;

  constructor(
    redis: Redis,
    prefix: string,
    readonly budget: number,
    windowMs: number,
    private readonly logger: Logger,
  ) {
    this.windowSeconds = Math.max(1, Math.ceil(windowMs / 1000));
    this.limiter = new RateLimiterRedis({
      storeClient: redis,
      keyPrefix: `${prefix}rate-limit:cost`,
      points: budget,
      duration: this.windowSeconds,
    });
  }

  async charge(principalId: string, cost: number): Promise<Charge> {
    const policy = `"cost";q=${this.budget};w=${this.windowSeconds}`;
    try {
      const spent = await this.limiter.consume(principalId, Math.max(1, Math.ceil(cost)));
      const reset = Math.ceil(spent.msBeforeNext / 1000);
      return {
        allowed: true,
        retryAfterSeconds: 0,
        headers: { 'ratelimit-policy': policy, ratelimit: `"cost";r=${spent.remainingPoints};t=${reset}` },
      };
    } catch (err) {
      if (!(err instanceof RateLimiterRes)) {
        this.logger.warn({ err }, 'rate limiter unavailable; operation passed uncharged');
        return { allowed: true, retryAfterSeconds: 0, headers: {} };
      }
      const retryAfterSeconds = Math.max(1, Math.ceil(err.msBeforeNext / 1000));
      return {
        allowed: false,
        retryAfterSeconds,
        headers: {
          'ratelimit-policy': policy,
          ratelimit: `"cost";r=0;t=${retryAfterSeconds}`,
          'retry-after': String(retryAfterSeconds),
        },
      };
    }
  }
}
