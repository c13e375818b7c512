import { describe, expect, it } from 'vitest';
import {
  BadUserInputError,
  ConflictError,
  InternalServerError,
  NetworkError,
  ProtocolError,
  RateLimitedError,
  ServiceUnavailableError,
  SubgraphUnavailableError,
} from '../src/errors';
import { backoffMs, DEFAULT_RETRY, isRetryable, withRetries } from '../src/retry';
import { retryAfterMs } from '../src/transport';

const policy = { ...DEFAULT_RETRY, baseDelayMs: 1, maxDelayMs: 4 };

describe('isRetryable', () => {
  it('retries what is safe to repeat for reads and idempotent appends, and only RATE_LIMITED for other changes', () => {
    const cases: [Error, boolean, boolean][] = [
      [new NetworkError('NETWORK_ERROR', 'reset'), true, false],
      [new ServiceUnavailableError('SERVICE_UNAVAILABLE', 'db down'), true, false],
      [new SubgraphUnavailableError('SUBGRAPH_UNAVAILABLE', 'advisory down'), true, false],
      [new ProtocolError('PROTOCOL_ERROR', '502', [], { status: 502 }), true, false],
      [new ProtocolError('PROTOCOL_ERROR', '404', [], { status: 404 }), false, false],
      [new RateLimitedError('RATE_LIMITED', 'wait'), true, true],
      [new BadUserInputError('BAD_USER_INPUT', 'no'), false, false],
      [new ConflictError('CONFLICT', 'already'), false, false],
      [new InternalServerError('INTERNAL_SERVER_ERROR', 'bug'), false, false],
      [new TypeError('a bug of ours'), false, false],
    ];
    for (const [err, idempotent, unsafe] of cases) {
      expect(isRetryable(err, 'idempotent'), `${err.name} idempotent`).toBe(idempotent);
      expect(isRetryable(err, 'unsafe'), `${err.name} unsafe`).toBe(unsafe);
    }
  });
});

describe('backoffMs', () => {
  it('is full jitter: between 0 and min(max, base · 2^(n-1))', () => {
    const p = { ...DEFAULT_RETRY, baseDelayMs: 100, maxDelayMs: 1000 };
    expect(backoffMs(p, 1, () => 0.999)).toBe(100);
    expect(backoffMs(p, 3, () => 0.999)).toBe(400);
    expect(backoffMs(p, 10, () => 0.999)).toBe(999);
    expect(backoffMs(p, 10, () => 0)).toBe(0);
  });
});

describe('withRetries', () => {
  it('tries until success and counts nothing past it', async () => {
    let calls = 0;
    const value = await withRetries(
      async () => {
        calls++;
        if (calls < 3) throw new NetworkError('NETWORK_ERROR', 'reset');
        return 'ok';
      },
      { policy, repeatability: 'idempotent' },
    );
    expect(value).toBe('ok');
    expect(calls).toBe(3);
  });

  it('gives up at maxAttempts with the last error and how many attempts were made', async () => {
    const err = await withRetries(
      async () => {
        throw new NetworkError('NETWORK_ERROR', 'reset');
      },
      { policy: { ...policy, maxAttempts: 4 }, repeatability: 'idempotent' },
    ).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NetworkError);
    expect((err as NetworkError).attempts).toBe(4);
  });

  it('stops at once on what is not retryable', async () => {
    let calls = 0;
    const err = await withRetries(
      async () => {
        calls++;
        throw new BadUserInputError('BAD_USER_INPUT', 'no');
      },
      { policy, repeatability: 'idempotent' },
    ).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BadUserInputError);
    expect(calls).toBe(1);
  });

  it('waits at least what RATE_LIMITED asks, and not past the deadline', async () => {
    let calls = 0;
    const started = Date.now();
    await withRetries(
      async () => {
        calls++;
        if (calls === 1) throw new RateLimitedError('RATE_LIMITED', 'wait', [], { retryAfterMs: 150 });
        return 'ok';
      },
      { policy, repeatability: 'unsafe' },
    );
    expect(Date.now() - started).toBeGreaterThanOrEqual(140);

    calls = 0;
    const err = await withRetries(
      async () => {
        calls++;
        throw new RateLimitedError('RATE_LIMITED', 'wait', [], { retryAfterMs: 5_000 });
      },
      { policy: { ...policy, deadlineMs: 1_000 }, repeatability: 'idempotent' },
    ).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RateLimitedError);
    expect(calls).toBe(1);
  });

  it('ends when the caller aborts, with the signal’s reason', async () => {
    const controller = new AbortController();
    const reason = new Error('caller gave up');
    setTimeout(() => controller.abort(reason), 30);
    const err = await withRetries(
      async () => {
        throw new NetworkError('NETWORK_ERROR', 'reset');
      },
      {
        policy: { ...policy, baseDelayMs: 10_000, maxDelayMs: 10_000, maxAttempts: 100 },
        repeatability: 'idempotent',
        signal: controller.signal,
      },
    ).catch((e: unknown) => e);
    // However short a jittered wait is, one of them is under way when the abort lands.
    expect(err).toBe(reason);
  });
});

describe('retryAfterMs', () => {
  it('reads seconds and HTTP dates, and nothing else', () => {
    expect(retryAfterMs('3')).toBe(3000);
    const now = Date.parse('2026-12-03T10:00:00Z');
    expect(retryAfterMs('Thu, 03 Dec 2026 10:00:05 GMT', now)).toBe(5000);
    expect(retryAfterMs('soon')).toBeUndefined();
    expect(retryAfterMs(null)).toBeUndefined();
  });
});
