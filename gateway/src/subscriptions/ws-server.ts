import type { IncomingMessage, Server } from 'node:http';
import { type EcpError, isEcpError } from '@ecp/errors/errors';
import { toGraphQLError } from '@ecp/errors/graphql-errors';
import type { Authenticator } from '@ecp/identity/authenticator';
import type { Principal } from '@ecp/identity/principal';
import type { Logger } from '@ecp/logging/logger';
import { GraphQLError } from 'graphql';
import { getVariableValues } from 'graphql/execution/values';
import { CloseCode, type Context } from 'graphql-ws';
import { useServer } from 'graphql-ws/use/ws';
import { type WebSocket, WebSocketServer } from 'ws';
import { isCrossOrigin } from '../auth/same-origin';
import { sessionTokenFrom } from '../auth/session-cookie';
import { CredentialRecheck } from './credential-recheck';
import { SubscriptionRefusedError } from './owner-authorization';
import { CLOSE_TOO_SLOW } from './subscriber-channel';
import type { SubscriptionHub } from './subscription-hub';
import type { SubscriptionMetrics } from './subscription-metrics';
import type { SubscriptionPlanner } from './subscription-planner';

interface ConnectionState {
  principal?: Principal;
  expiry?: NodeJS.Timeout;
}

type Extra = { socket: WebSocket; request: unknown; state?: ConnectionState };

export interface WebSocketServerOptions {
  server: Server;
  path: string;
  authenticator: Authenticator;
  planner: SubscriptionPlanner;
  hub: SubscriptionHub;
  metrics: SubscriptionMetrics;
  logger: Logger;
  maxPayloadBytes: number;
  /**
   * How often each socket is pinged. A client that has not answered the previous ping by the next one
   * is too slow — its pong waits behind everything it has not read — and is disconnected.
   */
  pingIntervalMs: number;
  /** How often open connections' credentials are checked again (the auth cache's TTL), so revocation reaches them. */
  recheckIntervalMs: number;
}

/**
 * The graphql-ws socket adapter on the gateway's own port and path. It authenticates in
 * `connection_init` (`{ "authorization": "Bearer <key or token>" }`; 4401 without valid credentials),
 * ends the connection when an access token expires or its credential is revoked (re-checked every
 * `recheckIntervalMs`), plans each subscription on the supergraph and hands it to the hub. Queries
 * and mutations go over HTTP.
 */
export function attachWebSocketServer(options: WebSocketServerOptions): { close: () => Promise<void> } {
  const { authenticator, planner, hub, metrics, logger } = options;
  const wss = new WebSocketServer({
    server: options.server,
    path: options.path,
    maxPayload: options.maxPayloadBytes,
  });
  const alive = new WeakMap<WebSocket, boolean>();
  wss.on('connection', (socket) => {
    metrics.connections.inc();
    alive.set(socket, true);
    socket.on('pong', () => alive.set(socket, true));
    socket.once('close', () => metrics.connections.dec());
  });
  // Ping in slices so that thousands of sockets never block the event loop at once.
  const pingSlice = (sockets: WebSocket[], from: number) => {
    for (const socket of sockets.slice(from, from + 500)) {
      if (socket.readyState !== socket.OPEN) continue;
      if (alive.get(socket) === false) {
        metrics.slowDisconnects.inc();
        logger.warn('disconnecting a client that did not answer a ping in time');
        socket.close(CLOSE_TOO_SLOW, 'Too slow: no answer to the last ping');
        // A client that reads nothing would never complete the closing handshake either.
        setTimeout(() => socket.terminate(), 5000).unref();
        continue;
      }
      alive.set(socket, false);
      socket.ping();
    }
    if (from + 500 < sockets.length) setImmediate(() => pingSlice(sockets, from + 500));
  };
  const heartbeat = setInterval(() => pingSlice([...wss.clients], 0), options.pingIntervalMs);
  heartbeat.unref();
  const recheck = new CredentialRecheck({
    authenticator,
    logger,
    intervalMs: options.recheckIntervalMs,
    onRevoked: () => metrics.revokedDisconnects.inc(),
  });

  const cleanup = useServer<Record<string, unknown>, Extra>(
    {
      onConnect: async (ctx: Context<Record<string, unknown>, Extra>) => {
        const state: ConnectionState = {};
        ctx.extra.state = state;
        const authorization = ctx.connectionParams?.authorization ?? ctx.connectionParams?.Authorization;
        const request = ctx.extra.request as IncomingMessage;
        try {
          const credential = {
            authorization: typeof authorization === 'string' ? authorization : undefined,
            // A browser on the gateway's own origin sends the person's session cookie with the handshake.
            sessionToken: sessionTokenFrom(request.headers.cookie),
          };
          // Cross-site WebSocket hijacking: another site's page must not open a socket on the cookie.
          if (!credential.authorization && credential.sessionToken && isCrossOrigin(request.headers)) {
            ctx.extra.socket.close(CloseCode.Forbidden, 'A session cookie is accepted from this origin only');
            return false;
          }
          const { principal, expiresAt } = await authenticator.authenticate(
            credential.authorization,
            undefined,
            {
              sessionToken: credential.sessionToken,
            },
          );
          state.principal = principal;
          recheck.watch(ctx.extra.socket, credential, principal);
          if (expiresAt) {
            const ms = Math.max(0, expiresAt.getTime() - Date.now());
            state.expiry = setTimeout(
              () => ctx.extra.socket.close(CloseCode.Unauthorized, 'Access token expired'),
              Math.min(ms, 2 ** 31 - 1),
            );
            ctx.extra.socket.once('close', () => clearTimeout(state.expiry));
          }
          return true;
        } catch (err) {
          const code = (err as { code?: string }).code;
          if (code === 'UNAUTHENTICATED') {
            ctx.extra.socket.close(CloseCode.Unauthorized, (err as Error).message.slice(0, 120));
            return false;
          }
          logger.error({ err }, 'authenticating a graphql-ws connection failed');
          ctx.extra.socket.close(CloseCode.InternalServerError, 'Cannot check credentials right now');
          return false;
        }
      },
      onSubscribe: async (ctx, id, payload) => {
        const principal = ctx.extra.state?.principal;
        if (!principal)
          return [new GraphQLError('Not authenticated', { extensions: { code: 'UNAUTHENTICATED' } })];
        let planned: ReturnType<SubscriptionPlanner['plan']>;
        try {
          planned = planner.plan(payload.query, payload.operationName ?? undefined);
        } catch (err) {
          if (err instanceof AggregateError) return err.errors as GraphQLError[];
          if (err instanceof GraphQLError) return [err];
          throw err;
        }
        // Variables are coerced against the operation's definitions, as graphql-js execution would.
        const coerced = getVariableValues(
          planner.apiGraphQLSchema,
          planned.operation.variableDefinitions ?? [],
          payload.variables ?? {},
        );
        if (coerced.errors)
          return coerced.errors.map(
            (e) => new GraphQLError(e.message, { extensions: { code: 'BAD_USER_INPUT' } }),
          );
        const cursor = (payload.extensions as { cursor?: unknown } | undefined)?.cursor;
        let handle: Awaited<ReturnType<SubscriptionHub['subscribe']>>;
        try {
          handle = await hub.subscribe({
            id,
            socket: ctx.extra.socket,
            planned,
            variables: coerced.coerced,
            principal,
            cursor: cursor === undefined || cursor === null ? undefined : (cursor as string),
          });
        } catch (err) {
          if (err instanceof SubscriptionRefusedError) return err.errors;
          if (err instanceof GraphQLError) return [err];
          if (isEcpError(err)) return [subscriptionError(err)];
          throw err;
        }
        // The hub writes `next` messages to the socket itself (one serialisation per group); graphql-ws
        // only sees an iterator that ends when the subscription does, and then sends `complete`.
        return {
          schema: planner.apiGraphQLSchema,
          document: planned.document,
          operationName: payload.operationName ?? undefined,
          variableValues: payload.variables ?? undefined,
          contextValue: handle,
        };
      },
      subscribe: async (args) =>
        subscriptionIterator(args.contextValue as Awaited<ReturnType<SubscriptionHub['subscribe']>>),
      onError: (_ctx, _id, _payload, errors) => {
        logger.debug({ errors: errors.map((e) => e.message) }, 'subscription refused');
      },
    },
    wss,
    // graphql-ws's own keep-alive would ping every socket a second time, from one timer each.
    0,
  );
  return {
    close: async () => {
      clearInterval(heartbeat);
      recheck.stop();
      for (const client of wss.clients) client.close(1001, 'Server shutting down');
      await cleanup.dispose();
    },
  };
}

/** A domain error as a subscriber sees it: its message and code (an HTTP status means nothing here). */
function subscriptionError(err: EcpError): GraphQLError {
  const { http: _http, ...extensions } = toGraphQLError(err).extensions;
  return new GraphQLError(err.message, { extensions });
}

/**
 * An async generator that yields nothing and ends when the hub's subscription ends (throwing the error
 * the hub ended it with, which graphql-ws sends as an `error` message), or stops it when returned.
 */
function subscriptionIterator(handle: { done: Promise<void>; stop: () => void }): AsyncGenerator<never> {
  const iterator: AsyncGenerator<never> = {
    next: async () => {
      try {
        await handle.done;
      } catch (err) {
        throw isEcpError(err) ? subscriptionError(err) : err;
      }
      return { done: true, value: undefined as never };
    },
    return: async () => {
      handle.stop();
      return { done: true, value: undefined as never };
    },
    throw: async (err) => {
      handle.stop();
      throw err;
    },
    [Symbol.asyncIterator]() {
      return iterator;
    },
  };
  return iterator;
}
