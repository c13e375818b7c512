import type { Redis } from 'ioredis';
import { RateLimiterRedis } from 'rate-limiter-flexible';

export interface SignInLimits {
  /** Failed sign-ins one account may have in the window before it is refused until the window ends. */
  perAccount: number;
  /** Failed sign-ins one address may have in the window, across accounts (guessing many emails). */
  perAddress: number;
  windowMs: number;
}

/**
 * Counts failed sign-ins per account (email) and per address in Redis, so every gateway replica
 * shares the counts. A success clears the account's count; the address's count runs out with its
 * window. Checked before the password is, so a locked-out guesser costs no argon2 work.
 */
export class SignInLimiter {
  private readonly byAccount: RateLimiterRedis;
  private readonly byAddress: RateLimiterRedis;

  constructor(
    redis: Redis,
    prefix: string,
    private readonly limits: SignInLimits,
  ) {
    const duration = Math.ceil(limits.windowMs / 1000);
    this.byAccount = new RateLimiterRedis({
      storeClient: redis,
      keyPrefix: `${prefix}sign-in:account`,
      points: limits.perAccount,
      duration,
    });
    this.byAddress = new RateLimiterRedis({
      storeClient: redis,
      keyPrefix: `${prefix}sign-in:address`,
      points: limits.perAddress,
      duration,
    });
  }

  /** Milliseconds until `account` from `address` may try again; 0 when it may now. */
  async waitMs(account: string, address: string): Promise<number> {
    const [a, b] = await Promise.all([this.byAccount.get(account), this.byAddress.get(address)]);
    const waits = [
      (a?.consumedPoints ?? 0) >= this.limits.perAccount ? (a?.msBeforeNext ?? 0) : 0,
      (b?.consumedPoints ?? 0) >= this.limits.perAddress ? (b?.msBeforeNext ?? 0) : 0,
    ];
    return Math.max(0, ...waits);
  }

  async failed(account: string, address: string): Promise<void> {
    // A penalty counts without refusing: the refusal is `waitMs`'s, before the next try.
    await Promise.all([this.byAccount.penalty(account, 1), this.byAddress.penalty(address, 1)]);
  }

  async succeeded(account: string): Promise<void> {
    await this.byAccount.delete(account);
  }
}
