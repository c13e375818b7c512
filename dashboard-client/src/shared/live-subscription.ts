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
  /**
   * The gateway no longer holds every event since the cursor (CURSOR_EXPIRED): the subscription has
   * started again from now; read what was missed with a query.
   */
  expired?(): void;
  /** The gateway refused or ended the subscription for another reason: FORBIDDEN, BAD_USER_INPUT… */
  error(err: ApiError): void;
}

/** How long to wait before asking again when the gateway has too many replays of ours going (RATE_LIMITED). */
function replayBackoffMs(): number {
  return 1000 + Math.random() * 2000;
}

/**
 * Subscribes through `client`, resuming after `cursor` when one is given (graphql-ws `extensions:
 * { cursor }`, as the gateway's resume protocol says). The subscribe message is rewritten with the
 * newest cursor after each payload, so when graphql-ws reconnects by itself (the gateway restarted)
 * and sends it again, the gateway replays exactly what was missed. A cursor too old (CURSOR_EXPIRED)
 * starts it again from now and says so (`expired`); a replay refused for now (RATE_LIMITED, too many
 * at once after a restart) is asked for again shortly.
 */
export function subscribeResumable<T>(
  client: Client,
  request: { query: string; variables?: Record<string, unknown> },
  handlers: SubscriptionHandlers<T>,
  cursor?: string,
): ResumableSubscription {
  let last = cursor;
  let stopped = false;
  let stopCurrent = () => {};
  let retry: ReturnType<typeof setTimeout> | undefined;

  const start = (from: string | undefined) => {
    const payload: { query: string; variables: Record<string, unknown>; extensions?: { cursor: string } } = {
      query: request.query,
      variables: request.variables ?? {},
      ...(from ? { extensions: { cursor: from } } : {}),
    };
    let ended = false;
    stopCurrent = client.subscribe<T, { cursor?: string }>(payload, {
      next(value: FormattedExecutionResult<T, { cursor?: string }>) {
        if (stopped || ended) return;
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
        if (stopped || ended) return;
        ended = true;
        const e = asApiError(err);
        if (e.code === 'CURSOR_EXPIRED') {
          last = undefined;
          start(undefined);
          handlers.expired?.();
        } else if (e.code === 'RATE_LIMITED') {
          retry = setTimeout(() => {
            if (!stopped) start(last);
          }, replayBackoffMs());
        } else {
          handlers.error(e);
        }
      },
      complete() {},
    });
  };
  start(cursor);

  return {
    get cursor() {
      return last;
    },
    dispose() {
      stopped = true;
      clearTimeout(retry);
      stopCurrent();
    },
  };
}
