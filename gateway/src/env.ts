import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadEnvOrExit } from '@ecp/config/env';
import { flag, millis, port, positiveInt, redisUrl, secret, serviceCommon } from '@ecp/config/schemas';
import { DEFAULT_STREAM_PREFIX } from '@ecp/events/event';
import { subgraphUrlShape, subgraphUrlsOf } from '@ecp/service-kit/service-directory';
import { z } from 'zod';

const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '../..');

export const gatewayEnvSchema = z
  .object({
    ...serviceCommon,
    HOST: z.string().default('127.0.0.1'),
    PORT: port(4000),
    SUPERGRAPH_PATH: z.string().default(join(repoRoot, 'schema/supergraph.graphql')),
    /**
     * The built pages (`npm run build -w @ecp/dashboard-client`): index.html, playground.html, assets/.
     * Not checked at boot: until they are built, `/` and `/playground` answer 503 saying how.
     */
    DASHBOARD_DIR: z.string().default(join(repoRoot, 'dashboard-client/dist')),
    ...subgraphUrlShape,
    ECP_IDENTITY_SECRET: secret('ECP_IDENTITY_SECRET'),
    ECP_IDENTITY_SECRET_PREVIOUS: secret('ECP_IDENTITY_SECRET_PREVIOUS').optional(),
    ECP_TOKEN_SECRET: secret('ECP_TOKEN_SECRET'),
    ECP_TOKEN_SECRET_PREVIOUS: secret('ECP_TOKEN_SECRET_PREVIOUS').optional(),
    /**
     * `development` shows which limit an operation broke and graphql-js's "Did you mean …?"
     * suggestions; `production` names no limit's value and opens introspection to people only.
     */
    NODE_ENV: z.string().default('development'),
    /** Deepest selection nesting accepted; deeper operations are refused before any subgraph is asked. */
    MAX_QUERY_DEPTH: positiveInt(12),
    /** Aliased fields one operation may have (a thousand aliases of one field is one request doing a thousand). */
    MAX_ALIASES: positiveInt(30),
    /** Directives one operation may carry. */
    MAX_DIRECTIVES: positiveInt(30),
    /** Lexical tokens one document may have; longer ones are refused before they are parsed. */
    MAX_TOKENS: positiveInt(3000),
    /**
     * The most an operation may cost: one point a field, a connection's selection multiplied by the
     * page it asks for (`first`/`last`, from literals or variables; 20 when not given).
     */
    MAX_QUERY_COST: positiveInt(25_000),
    /** Cost points each principal may spend per window, shared by every gateway replica (Redis). */
    RATE_LIMIT_ENABLED: flag(true),
    RATE_LIMIT_COST_PER_WINDOW: positiveInt(600_000),
    RATE_LIMIT_WINDOW_MS: millis(60_000),
    MAX_BODY_BYTES: positiveInt(1_048_576),
    /** How long a resolved API key is trusted before the ledger is asked again (revocation delay). */
    AUTH_CACHE_TTL_MS: millis(30_000),
    SUBGRAPH_TIMEOUT_MS: millis(10_000),
    /** Keep-alive connections the gateway holds open to each subgraph. */
    SUBGRAPH_CONNECTIONS: positiveInt(64),
    /** Identical queries of one caller in flight at once share one subgraph request. */
    SUBGRAPH_DEDUPLICATION: flag(true),
    /** Where events are read from (Redis Streams), for subscriptions. */
    REDIS_URL: redisUrl,
    EVENT_STREAM_PREFIX: z.string().min(1).default(DEFAULT_STREAM_PREFIX),
    /** Messages a slow subscriber may have queued before the oldest are dropped. */
    SUBSCRIPTION_QUEUE_MAX: positiveInt(100),
    /** How long a subscriber may stay behind before it is disconnected. */
    SUBSCRIPTION_SLOW_TIMEOUT_MS: millis(10_000),
    /**
     * How far behind the newest event a resume cursor may be, in events on its topic's stream (whatever
     * the filter). Further back the subscription is refused with CURSOR_EXPIRED before anything is sent:
     * a query fetches the current state for less than replaying that many events would cost.
     */
    SUBSCRIPTION_REPLAY_MAX_EVENTS: positiveInt(500),
    /**
     * Replays (subscriptions resuming with a cursor) one principal may have running at once on a
     * gateway. More wait their turn, in order: a dashboard resuming all its subscriptions gets them all.
     */
    SUBSCRIPTION_REPLAY_CONCURRENCY: positiveInt(2),
    /** Replays of one principal that may wait for their turn; past them a resume is refused (RATE_LIMITED). */
    SUBSCRIPTION_REPLAY_WAITING: z.coerce.number().int().min(0).default(8),
    /**
     * Missed events a replay sends per second, after a first second's worth at once: replays share the
     * gateway with live delivery and must not flood a socket.
     */
    SUBSCRIPTION_REPLAY_EVENTS_PER_SECOND: positiveInt(100),
    /** Sockets are pinged this often; one that has not answered by the next ping is disconnected. */
    SUBSCRIPTION_PING_INTERVAL_MS: millis(15_000),
    /** Failed sign-ins one account may have per window before it must wait for the window to end. */
    SIGN_IN_MAX_FAILURES_PER_ACCOUNT: positiveInt(5),
    /** Failed sign-ins one address may have per window, across accounts. */
    SIGN_IN_MAX_FAILURES_PER_ADDRESS: positiveInt(20),
    SIGN_IN_FAILURE_WINDOW_MS: millis(15 * 60_000),
    /**
     * Behind a reverse proxy or load balancer, how many hops to trust for the client's address and
     * scheme (X-Forwarded-For, X-Forwarded-Proto): sign-in limits count per real address, and the
     * session cookie is Secure when the client used https. 0 (the default) trusts no proxy.
     */
    TRUST_PROXY_HOPS: z.coerce.number().int().min(0).default(0),
    /** Client connections held at once; past it new ones are closed at once rather than exhausting file descriptors. */
    MAX_CONNECTIONS: positiveInt(15_000),
  })
  .superRefine((env, ctx) => {
    if (env.MAX_QUERY_COST > env.RATE_LIMIT_COST_PER_WINDOW) {
      ctx.addIssue({
        code: 'custom',
        path: ['MAX_QUERY_COST'],
        message:
          'must not exceed RATE_LIMIT_COST_PER_WINDOW (an operation allowed by cost would never fit the budget)',
      });
    }
    if (!existsSync(env.SUPERGRAPH_PATH)) {
      ctx.addIssue({
        code: 'custom',
        path: ['SUPERGRAPH_PATH'],
        message: `no file at ${env.SUPERGRAPH_PATH}`,
      });
    }
    if (env.ECP_IDENTITY_SECRET === env.ECP_TOKEN_SECRET) {
      ctx.addIssue({
        code: 'custom',
        path: ['ECP_TOKEN_SECRET'],
        message: 'must differ from ECP_IDENTITY_SECRET',
      });
    }
  });

export type GatewayConfig = z.output<typeof gatewayEnvSchema>;

export function loadGatewayConfig(): GatewayConfig {
  return loadEnvOrExit('gateway', gatewayEnvSchema);
}

/** Subgraph name (as in the supergraph) → configured URL. */
export function subgraphUrls(config: GatewayConfig): Record<string, string> {
  return subgraphUrlsOf(config);
}
