import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { type Client, createClient } from 'graphql-ws';
import {
  CursorExpiredError,
  EcpError,
  errorFromPayload,
  ForbiddenError,
  type GraphQLErrorPayload,
  UnauthenticatedError,
} from './errors';
import { backoffMs, DEFAULT_RETRY, type RetryPolicy, sleep } from './retry';
import { operationText } from './transport';

/** What a WebSocket constructor must be: the browser's, Node 22's, or the `ws` package's. */
export type WebSocketConstructor = new (url: string, protocols?: string | string[]) => unknown;

export interface LiveOptions {
  /** Resume after this cursor (`LiveSubscription.cursor` of an earlier subscription). */
  cursor?: string;
  /** Ends the iteration when it aborts. */
  signal?: AbortSignal;
}

/**
 * A subscription as an async iterator: `for await (const decision of ecp.decisionRecorded(…))`. It
 * survives a lost socket: graphql-ws reconnects with backoff and the subscription is sent again with
 * the last cursor, so the gateway replays exactly what was missed, in order, once. Breaking out of the
 * loop (or `close()`) ends it.
 */
export interface LiveSubscription<T> extends AsyncIterableIterator<T> {
  /** The cursor of the last event delivered: pass it as `cursor` to resume in another process. */
  readonly cursor: string | undefined;
  close(): void;
}

/** Times in a row a subscription is sent again after an error, with no event between, before it fails. */
const MAX_RESUBSCRIBES = 20;

/** Close codes after which reconnecting cannot help: the credential or the origin is refused. */
const REFUSED_CLOSE = new Map<number, string>([
  [4401, 'UNAUTHENTICATED'],
  [4403, 'FORBIDDEN'],
]);

function closeCode(err: unknown): number | undefined {
  if (
    typeof err === 'object' &&
    err !== null &&
    'code' in err &&
    typeof (err as { code: unknown }).code === 'number'
  )
    return (err as { code: number }).code;
  return undefined;
}

export interface LiveConnectionOptions {
  websocketUrl: string;
  webSocketImpl: WebSocketConstructor | undefined;
  /** The `authorization` value for `connection_init`, asked at every (re)connection. */
  authorization: () => Promise<string>;
  reconnect: Required<RetryPolicy>;
}

/**
 * The client's one graphql-ws connection, opened when the first subscription starts and shared by all
 * of them; it reconnects by itself while any is active.
 */
export class LiveConnection {
  private client: Client | undefined;

  constructor(private readonly options: LiveConnectionOptions) {}

  private connection(): Client {
    if (this.client) return this.client;
    const impl = this.options.webSocketImpl ?? (globalThis as { WebSocket?: WebSocketConstructor }).WebSocket;
    if (!impl) {
      throw new EcpError(
        'NO_WEBSOCKET',
        'This runtime has no WebSocket: pass `webSocketImpl` (the `ws` package in Node 20), or import the client in Node, whose entry provides it.',
      );
    }
    const policy = this.options.reconnect;
    this.client = createClient({
      url: this.options.websocketUrl,
      webSocketImpl: impl,
      lazy: true,
      keepAlive: 10_000,
      retryAttempts: Number.MAX_SAFE_INTEGER,
      shouldRetry: (err) => !REFUSED_CLOSE.has(closeCode(err) ?? 0),
      retryWait: (retries) => sleep(Math.max(100, backoffMs(policy, retries + 1))),
      connectionParams: async () => ({ authorization: await this.options.authorization() }),
    });
    return this.client;
  }

  /**
   * Subscribes to `document`. `refetch(cursor)` is what `CursorExpiredError.refetch` reads when the
   * gateway can no longer replay from the cursor.
   */
  subscribe<TData, TVariables, TItem>(
    document: TypedDocumentNode<TData, TVariables>,
    variables: TVariables,
    pick: (data: TData) => TItem,
    options: LiveOptions & { refetch: (cursor: string | undefined) => Promise<unknown[]> },
  ): LiveSubscription<TItem> {
    const queue: TItem[] = [];
    const waiting: { resolve: (r: IteratorResult<TItem>) => void; reject: (e: unknown) => void }[] = [];
    let failure: unknown;
    let done = false;
    let cursor = options.cursor;
    let stop: (() => void) | undefined;
    let resubscribes = 0;

    const finish = (err?: unknown) => {
      if (done) return;
      done = true;
      failure = err;
      stop?.();
      options.signal?.removeEventListener('abort', onAbort);
      for (const w of waiting.splice(0)) {
        if (err === undefined) w.resolve({ value: undefined, done: true });
        else w.reject(err);
      }
    };
    const onAbort = () => finish();
    options.signal?.addEventListener('abort', onAbort, { once: true });

    const deliver = (item: TItem) => {
      const w = waiting.shift();
      if (w) w.resolve({ value: item, done: false });
      else queue.push(item);
    };

    const { query, operationName } = operationText(document as TypedDocumentNode<unknown, unknown>);
    const start = () => {
      const payload: {
        query: string;
        operationName?: string;
        variables: Record<string, unknown>;
        extensions?: { cursor: string };
      } = {
        query,
        ...(operationName ? { operationName } : {}),
        variables: (variables ?? {}) as Record<string, unknown>,
        ...(cursor ? { extensions: { cursor } } : {}),
      };
      let ended = false;
      stop = this.connection().subscribe<TData, { cursor?: string }>(payload, {
        next: (value) => {
          if (done || ended) return;
          resubscribes = 0;
          const next = value.extensions?.cursor;
          if (typeof next === 'string') {
            cursor = next;
            // graphql-ws sends this same payload again when it reconnects: with the newest cursor.
            payload.extensions = { cursor: next };
          }
          if (value.data) deliver(pick(value.data as TData));
          else if (value.errors?.length) {
            ended = true;
            finish(
              errorFromPayload(value.errors[0] as GraphQLErrorPayload, {
                errors: value.errors as GraphQLErrorPayload[],
              }),
            );
          }
        },
        error: (err) => {
          if (done || ended) return;
          ended = true;
          const mapped = liveError(err);
          if (mapped instanceof CursorExpiredError) {
            mapped.cursor = cursor;
            const from = cursor;
            mapped.refetch = () => options.refetch(from);
            finish(mapped);
          } else if (mapped.code === 'RATE_LIMITED' || mapped.code === 'SOCKET_CLOSED') {
            // Too many replays of ours at once, or a close graphql-ws gives up on: ask again, from the cursor.
            resubscribes++;
            if (resubscribes > MAX_RESUBSCRIBES) {
              finish(mapped);
              return;
            }
            void sleep(
              Math.max(250, backoffMs(this.options.reconnect, Math.min(resubscribes, 8))),
              options.signal,
            )
              .then(() => {
                if (!done) start();
              })
              .catch(() => finish());
          } else {
            finish(mapped);
          }
        },
        complete: () => {
          if (!ended) finish();
        },
      });
    };
    start();

    const iterator: LiveSubscription<TItem> = {
      get cursor() {
        return cursor;
      },
      close: () => finish(),
      next: () => {
        const item = queue.shift();
        if (item !== undefined) return Promise.resolve({ value: item, done: false });
        if (done)
          return failure === undefined
            ? Promise.resolve({ value: undefined, done: true })
            : Promise.reject(failure);
        return new Promise((resolve, reject) => waiting.push({ resolve, reject }));
      },
      return: () => {
        finish();
        return Promise.resolve({ value: undefined, done: true });
      },
      [Symbol.asyncIterator]() {
        return iterator;
      },
    };
    return iterator;
  }

  async close(): Promise<void> {
    await this.client?.dispose();
    this.client = undefined;
  }
}

/** A graphql-ws error (a list of GraphQL errors, a close event, or an Error) as a typed error. */
function liveError(err: unknown): EcpError {
  if (Array.isArray(err) && err.length > 0)
    return errorFromPayload(err[0] as GraphQLErrorPayload, { errors: err });
  const code = closeCode(err);
  if (code !== undefined) {
    const reason = (err as { reason?: string }).reason || `closed with ${code}`;
    const refused = REFUSED_CLOSE.get(code);
    if (refused === 'UNAUTHENTICATED')
      return new UnauthenticatedError(refused, `The gateway closed the subscription: ${reason}.`);
    if (refused === 'FORBIDDEN')
      return new ForbiddenError(refused, `The gateway refused the connection: ${reason}.`);
    return new EcpError('SOCKET_CLOSED', `The subscription's socket closed: ${reason}.`);
  }
  return new EcpError(
    'SOCKET_CLOSED',
    `The subscription's socket failed: ${err instanceof Error ? err.message : String(err)}.`,
    [],
    {
      cause: err,
    },
  );
}

export { DEFAULT_RETRY as DEFAULT_RECONNECT };
