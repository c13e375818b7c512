import { ERROR_CODES as SERVER_CODES } from '@ecp/errors/errors';
import { ERROR_CODES as DOCUMENTED } from '@ecp/schema/api-docs';
import { describe, expect, it } from 'vitest';
import {
  BadUserInputError,
  CursorExpiredError,
  EcpError,
  ERROR_CLASSES,
  errorFromPayload,
  ForbiddenError,
  RateLimitedError,
} from '../src/errors';

describe('error classes', () => {
  it('has a class of its own for every code the API documents and every code the services raise', () => {
    const codes = new Set([...DOCUMENTED.map((c) => c.code), ...SERVER_CODES]);
    for (const code of codes) {
      const Class = ERROR_CLASSES[code];
      expect(Class, code).toBeDefined();
      const err = errorFromPayload({ message: 'm', extensions: { code } });
      expect(err, code).toBeInstanceOf(Class!);
      expect(err.constructor, code).not.toBe(EcpError);
      expect(err.code).toBe(code);
    }
    // No class for a code nobody documents: the two lists are the same set.
    expect(new Set(Object.keys(ERROR_CLASSES))).toEqual(codes);
  });

  it('keeps the details, their paths, the status and the request id', () => {
    const err = errorFromPayload(
      {
        message: 'Invalid decision',
        extensions: {
          code: 'BAD_USER_INPUT',
          details: [{ path: 'input.confidence', reason: 'must be in [0, 1]' }],
        },
      },
      { status: 200, requestId: 'req-1' },
    );
    expect(err).toBeInstanceOf(BadUserInputError);
    expect((err as BadUserInputError).paths).toEqual(['input.confidence']);
    expect(err.details[0]!.reason).toBe('must be in [0, 1]');
    expect(err.requestId).toBe('req-1');
    expect(err.message).toBe('Invalid decision');
    expect(err.name).toBe('BadUserInputError');
  });

  it('reads how long to wait from Retry-After or extensions.retryAfterSeconds', () => {
    const fromHeader = errorFromPayload(
      { message: 'slow down', extensions: { code: 'RATE_LIMITED' } },
      { retryAfterMs: 3000 },
    );
    const fromBody = errorFromPayload({
      message: 'slow down',
      extensions: { code: 'RATE_LIMITED', retryAfterSeconds: 2 },
    });
    expect(fromHeader).toBeInstanceOf(RateLimitedError);
    expect((fromHeader as RateLimitedError).retryAfterMs).toBe(3000);
    expect((fromBody as RateLimitedError).retryAfterMs).toBe(2000);
  });

  it('treats an error without a code as INTERNAL_SERVER_ERROR and an unknown one as a plain EcpError', () => {
    expect(errorFromPayload({ message: 'x' }).code).toBe('INTERNAL_SERVER_ERROR');
    const unknown = errorFromPayload({ message: 'x', extensions: { code: 'SOMETHING_NEW' } });
    expect(unknown.constructor).toBe(EcpError);
    expect(unknown.code).toBe('SOMETHING_NEW');
    expect(errorFromPayload({ message: 'x', extensions: { code: 'FORBIDDEN' } })).toBeInstanceOf(
      ForbiddenError,
    );
    expect(errorFromPayload({ message: 'x', extensions: { code: 'CURSOR_EXPIRED' } })).toBeInstanceOf(
      CursorExpiredError,
    );
  });
});
