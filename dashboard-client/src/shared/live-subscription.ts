import type { FormattedExecutionResult } from 'graphql';
import type { Client } from 'graphql-ws';
import type { ApiError } from './api';
import { asApiError } from './error-text';

/** A subscription that remembers the cursor of the last payload it received. */
export interface ResumableSubscription {
  /** The `extensions.cursor` of the last payload, to resume from; undefined before the first. */
  readonly cursor: string | undefined;
  /** Stops it (sends `complete`); the cursor stays readable. */
  dispose(): void;
}

export interface SubscriptionHandlers<T> {
  next(data: T): void;
  /** The gateway refused or ended the subscription: CURSOR_EXPIRED, FORBIDDEN, BAD_USER_INPUT… */
  error(err: ApiError): void;
}

/**
 * Subscribes through `client`, resuming after `cursor` when one is given (graphql-ws `extensions:
 * { cursor }`, as the gateway's resume protocol says). The subscribe message is rewritten with the
 * newest cursor after each payload, so when graphql-ws reconnects by itself (the gateway restarted)
 * and sends it again, the gateway replays exactly what was missed.
 */
export function subscribeResumable<T>(
  client: Client,
  request: { query: string; variables?: Record<string, unknown> },
  handlers: SubscriptionHandlers<T>,
  cursor?: string,
): ResumableSubscription {
  let last = cursor;
  const payload: { query: string; variables?: Record<string, unknown>; extensions?: { cursor: string } } = {
    query: request.query,
    variables: request.variables ?? {},
    ...(cursor ? { extensions: { cursor } } : {}),
  };
  let stopped = false;
  const dispose = client.subscribe<T, { cursor?: string }>(payload, {
    next(value: FormattedExecutionResult<T, { cursor?: string }>) {
      if (stopped) return;
      const next = value.extensions?.cursor;
      if (typeof next === 'string') {
        last = next;
        payload.extensions = { cursor: next };
      }
      // A payload with data shows it even when a nullable field failed; one without is an error.
      if (value.data) handlers.next(value.data);
      else if (value.errors?.length) handlers.error(asApiError(value.errors));
    },
    error(err) {
      if (!stopped) handlers.error(asApiError(err));
    },
    complete() {},
  });
  return {
    get cursor() {
      return last;
    },
    dispose() {
      stopped = true;
      dispose();
    },
  };
}
