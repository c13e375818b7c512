import { ApiError } from './api';

/** The error a graphql-ws subscription or an HTTP call ended with, as an ApiError with its code. */
export function asApiError(err: unknown): ApiError {
  if (err instanceof ApiError) return err;
  const first = Array.isArray(err) ? (err[0] as unknown) : err;
  if (first && typeof first === 'object' && 'message' in first) {
    const { message, extensions } = first as { message: unknown; extensions?: { code?: unknown } };
    const code = typeof extensions?.code === 'string' ? extensions.code : 'INTERNAL_SERVER_ERROR';
    return new ApiError(String(message), code);
  }
  return new ApiError('The gateway gave an answer the page cannot read.', 'INTERNAL_SERVER_ERROR');
}

/** Whether the viewer's roles are what stopped the request (the page says so instead of erroring). */
export function isForbidden(err: unknown): boolean {
  return err instanceof ApiError && err.code === 'FORBIDDEN';
}

/** One sentence for a person: what went wrong, with the gateway's code where it helps. */
export function errorText(err: unknown): string {
  const e = asApiError(err);
  switch (e.code) {
    case 'NETWORK_ERROR':
      return 'The gateway cannot be reached. The page retries when it is back.';
    case 'UNAUTHENTICATED':
      return 'You are no longer signed in. Sign in again.';
    case 'RATE_LIMITED':
      return e.retryAfterSeconds
        ? `Too many requests: try again in ${e.retryAfterSeconds} s.`
        : 'Too many requests: try again shortly.';
    default:
      return `${e.message} (${e.code})`;
  }
}
