import { EcpError, NetworkError, RateLimitedError } from './errors';

/**
 * How long and how often the client tries a request again. Every attempt after the first waits a
 * "full jitter" backoff (a random time up to `baseDelayMs · 2^(attempt-1)`, at most `maxDelayMs`), or
 * longer when the server said how long (`Retry-After`); it stops at `maxAttempts` or when the next
 * wait would pass `deadlineMs` from the first attempt, and at once when the caller's signal aborts.
 */
export interface RetryPolicy {
  /** Attempts in all, the first included (default 6; 1: never retry). */
  maxAttempts?: number;
  /** No attempt starts later than this after the first (default 60 s). */
  deadlineMs?: number;
  /** The first backoff's cap (default 200 ms). */
  baseDelayMs?: number;
  /** No backoff is longer (default 10 s). */
  maxDelayMs?: number;
}

export const DEFAULT_RETRY: Required<RetryPolicy> = {
  maxAttempts: 6,
  deadlineMs: 60_000,
  baseDelayMs: 200,
  maxDelayMs: 10_000,
};

/** Which failures are tried again: those that say nothing was done, or that are safe to repeat. */
export type Repeatability =
  /** Reads and idempotent appends: network failures, 5xx, SERVICE_UNAVAILABLE, SUBGRAPH_UNAVAILABLE, RATE_LIMITED. */
  | 'idempotent'
  /** A change that is not idempotent: only RATE_LIMITED, which refuses before any work is done. */
  | 'unsafe';

const TRANSIENT_CODES = new Set(['SERVICE_UNAVAILABLE', 'SUBGRAPH_UNAVAILABLE']);

/** Whether `err` may be tried again for a request of this repeatability. */
export function isRetryable(err: unknown, repeatability: Repeatability): boolean {
  if (err instanceof RateLimitedError) return true;
  if (repeatability === 'unsafe') return false;
  if (err instanceof NetworkError) return true;
  if (!(err instanceof EcpError)) return false;
  if (TRANSIENT_CODES.has(err.code)) return true;
  // A 5xx without a GraphQL answer (a proxy, a restart) says nothing about the operation.
  return err.code === 'PROTOCOL_ERROR' && (err.status ?? 0) >= 500;
}

/** The wait before attempt `attempt + 1` (attempt ≥ 1), with full jitter. */
export function backoffMs(policy: Required<RetryPolicy>, attempt: number, random = Math.random): number {
  const cap = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1));
  return Math.round(random() * cap);
}

/** Waits `ms`, or rejects with the signal's reason when it aborts first. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason);
      return;
    }
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * Runs `attempt` until it succeeds, fails in a way that is not retryable, or the policy runs out; the
 * error thrown is the last one, with `attempts` set to how many were made.
 */
export async function withRetries<T>(
  attempt: (n: number) => Promise<T>,
  options: { policy: Required<RetryPolicy>; repeatability: Repeatability; signal?: AbortSignal },
): Promise<T> {
  const started = Date.now();
  for (let n = 1; ; n++) {
    try {
      return await attempt(n);
    } catch (err) {
      if (err instanceof EcpError) err.attempts = n;
      if (n >= options.policy.maxAttempts || !isRetryable(err, options.repeatability)) throw err;
      const asked = err instanceof RateLimitedError ? (err.retryAfterMs ?? 0) : 0;
      const wait = Math.max(asked, backoffMs(options.policy, n));
      if (Date.now() + wait - started > options.policy.deadlineMs) throw err;
      await sleep(wait, options.signal);
    }
  }
}
