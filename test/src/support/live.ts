import type { FormattedExecutionResult } from 'graphql';
import type { Client } from 'graphql-ws';

/** One payload of a subscription, with the cursor the gateway puts in its extensions. */
export type Payload = FormattedExecutionResult<Record<string, unknown>, { cursor: string }>;

/** Subscribes and collects payloads; `next(n)` waits until n have arrived. */
export function collect(
  c: Client,
  query: string,
  variables: Record<string, unknown> = {},
  extensions?: Record<string, unknown>,
) {
  const received: Payload[] = [];
  const errors: unknown[] = [];
  let completed = false;
  const waiters: { n: number; resolve: () => void }[] = [];
  const dispose = c.subscribe<Record<string, unknown>, { cursor: string }>(
    { query, variables, ...(extensions ? { extensions } : {}) },
    {
      next: (value) => {
        received.push(value);
        for (const w of waiters.filter((w) => received.length >= w.n)) w.resolve();
      },
      error: (err) => errors.push(err),
      complete: () => {
        completed = true;
      },
    },
  );
  return {
    received,
    errors,
    dispose,
    get completed() {
      return completed;
    },
    next: (n: number, timeoutMs = 15_000) =>
      new Promise<void>((resolve, reject) => {
        if (received.length >= n) return resolve();
        const timer = setTimeout(
          () =>
            reject(new Error(`got ${received.length} of ${n} payloads; errors: ${JSON.stringify(errors)}`)),
          timeoutMs,
        );
        waiters.push({
          n,
          resolve: () => {
            clearTimeout(timer);
            resolve();
          },
        });
      }),
    failed: (timeoutMs = 10_000) =>
      new Promise<unknown[]>((resolve, reject) => {
        const started = Date.now();
        const poll = setInterval(() => {
          if (errors.length > 0) {
            clearInterval(poll);
            resolve(errors);
          } else if (Date.now() - started > timeoutMs) {
            clearInterval(poll);
            reject(new Error('no error'));
          }
        }, 20);
      }),
  };
}

/** Subscribing is asynchronous on the server; wait until it is in place before causing events. */
export async function settled(): Promise<void> {
  await new Promise((r) => setTimeout(r, 400));
}
