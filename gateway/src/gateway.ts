import { readFileSync } from 'node:fs';
import { ApolloGateway } from '@apollo/gateway';
import { ApolloServer } from '@apollo/server';
import { ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import { expressMiddleware } from '@as-integrations/express5';
import { ForbiddenError, isEcpError } from '@ecp/errors/errors';
import { formatGraphQLError, toGraphQLError } from '@ecp/errors/graphql-errors';
import type { Authenticator } from '@ecp/identity/authenticator';
import { signIdentity } from '@ecp/identity/identity-header';
import { edgeAuthenticator } from '@ecp/identity/ledger-api-key-resolver';
import type { Logger } from '@ecp/logging/logger';
import {
  metricsPlugin,
  operationResolutionPlugin,
  unexpectedErrorLoggingPlugin,
} from '@ecp/service-kit/apollo-plugins';
import { createHttpShell, type HttpShell } from '@ecp/service-kit/http-app';
import { createMetrics } from '@ecp/service-kit/metrics';
import { drainGraceMs } from '@ecp/service-kit/server-drain';
import { strictJsonBody } from '@ecp/service-kit/strict-json-body';
import { traceHeaders } from '@ecp/telemetry/trace-context';
import { Redis } from 'ioredis';
import { Counter, Histogram } from 'prom-client';
import { request } from 'undici';
import { mountAuthRoutes } from './auth/auth-routes';
import { PeopleClient } from './auth/people-client';
import { isCrossOrigin } from './auth/same-origin';
import { sessionTokenFrom } from './auth/session-cookie';
import { SignInLimiter } from './auth/sign-in-limiter';
import type { GatewayContext } from './context';
import { type GatewayConfig, subgraphUrls } from './env';
import { DEFAULT_COST_MODEL } from './limits/operation-cost';
import {
  limitValidationRules,
  type OperationLimits,
  operationLimitsPlugin,
  tokenLimit,
  withoutSuggestions,
} from './limits/operation-limits';
import { CostRateLimiter } from './limits/rate-limiter';
import { dashboardPages } from './pages';
import { SubgraphDataSource } from './subgraphs/subgraph-data-source';
import { EventExecutor } from './subscriptions/event-executor';
import { OwnerAuthorization } from './subscriptions/owner-authorization';
import { SubscriptionHub, subscriptionRequestId } from './subscriptions/subscription-hub';
import { createSubscriptionMetrics } from './subscriptions/subscription-metrics';
import { SubscriptionPlanner } from './subscriptions/subscription-planner';
import { attachWebSocketServer } from './subscriptions/ws-server';

export interface BuiltGateway {
  /** Queries and mutations over HTTP, and subscriptions (graphql-ws) on the same server's /graphql. */
  http: HttpShell;
  authenticator: Authenticator;
  /**
   * Drains first — new connections refused, requests in flight answered, subscribers told to go
   * elsewhere (1001) — and only then closes Apollo, the subscription hub, the subgraph pools and Redis.
   */
  stop(): Promise<void>;
}

/**
 * The one public entry: authenticates every request, forwards a signed identity to the subgraphs,
 * refuses operations nested deeper than the limit, and executes the supergraph's query plans.
 */
export async function buildGateway(config: GatewayConfig, logger: Logger): Promise<BuiltGateway> {
  const metrics = createMetrics('gateway');
  const subgraphDuration = new Histogram({
    name: 'gateway_subgraph_request_duration_seconds',
    help: 'Time for the gateway to get an answer from a subgraph, by subgraph and outcome.',
    labelNames: ['subgraph', 'outcome'] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [metrics.registry],
  });
  const deduplicated = new Counter({
    name: 'gateway_subgraph_requests_deduplicated_total',
    help: 'Subgraph fetches answered by an identical request of the same caller already in flight.',
    labelNames: ['subgraph'] as const,
    registers: [metrics.registry],
  });
  const urls = subgraphUrls(config);
  const dataSources = new Map<string, SubgraphDataSource>();
  const supergraphSdl = readFileSync(config.SUPERGRAPH_PATH, 'utf8');
  const gateway = new ApolloGateway({
    supergraphSdl,
    buildService: ({ name, url }) => {
      const configured = urls[name] ?? url;
      if (!configured) throw new Error(`no URL configured for subgraph "${name}"`);
      const source = new SubgraphDataSource({
        name,
        url: configured,
        timeoutMs: config.SUBGRAPH_TIMEOUT_MS,
        connections: config.SUBGRAPH_CONNECTIONS,
        deduplicate: config.SUBGRAPH_DEDUPLICATION,
        duration: subgraphDuration,
        deduplicated,
      });
      dataSources.set(name, source);
      return source;
    },
    logger: {
      debug: (m) => logger.debug(m),
      info: (m) => logger.info(m),
      warn: (m) => logger.warn(m),
      error: (m) => logger.error(m),
    },
  });

  const production = config.NODE_ENV === 'production';
  const development = config.NODE_ENV === 'development';
  const limits: OperationLimits = {
    maxDepth: config.MAX_QUERY_DEPTH,
    maxAliases: config.MAX_ALIASES,
    maxDirectives: config.MAX_DIRECTIVES,
    maxTokens: config.MAX_TOKENS,
    maxCost: config.MAX_QUERY_COST,
    exposeLimits: !production,
    showSuggestions: development,
    introspectionForPeopleOnly: production,
    cost: DEFAULT_COST_MODEL,
  };
  const validationRules = limitValidationRules(limits);
  // Redis for subscriptions, the rate limiter and sign-in limits.
  const redis = new Redis(config.REDIS_URL, { maxRetriesPerRequest: 3 });
  redis.on('error', (err) => logger.warn({ err }, 'redis connection error'));
  const rateLimiter = config.RATE_LIMIT_ENABLED
    ? new CostRateLimiter(
        redis,
        config.EVENT_STREAM_PREFIX,
        config.RATE_LIMIT_COST_PER_WINDOW,
        config.RATE_LIMIT_WINDOW_MS,
        logger.child({ module: 'rate-limit' }),
      )
    : undefined;
  const apollo = new ApolloServer<GatewayContext>({
    gateway,
    introspection: true,
    includeStacktraceInErrorResponses: false,
    // The process's shutdown routine owns SIGTERM/SIGINT: it drains HTTP first and stops Apollo after.
    // Apollo's own handlers would stop it at once and fail every request still arriving with a 500.
    stopOnTerminationSignals: false,
    validationRules,
    formatError: (formatted, error) => {
      const answered = formatGraphQLError(formatted, error, () => {});
      return limits.showSuggestions
        ? answered
        : { ...answered, message: withoutSuggestions(answered.message) };
    },
    plugins: [
      ApolloServerPluginLandingPageDisabled(),
      operationResolutionPlugin(),
      operationLimitsPlugin(limits, rateLimiter),
      metricsPlugin(metrics),
      unexpectedErrorLoggingPlugin(logger),
    ],
  });
  await apollo.start();

  const authenticator = edgeAuthenticator(config, {
    service: 'gateway',
    timeoutMs: config.SUBGRAPH_TIMEOUT_MS,
    extraHeaders: traceHeaders,
  });

  // Subscriptions: planned on the same supergraph, executed through the same data sources.
  const subscriptionMetrics = createSubscriptionMetrics(metrics.registry);
  const planner = new SubscriptionPlanner({ supergraphSdl, validationRules });
  const hub = new SubscriptionHub({
    redis,
    streamPrefix: config.EVENT_STREAM_PREFIX,
    executor: new EventExecutor(planner, dataSources, logger),
    authorization: new OwnerAuthorization(dataSources),
    metrics: subscriptionMetrics,
    logger: logger.child({ module: 'subscriptions' }),
    maxQueue: config.SUBSCRIPTION_QUEUE_MAX,
    slowTimeoutMs: config.SUBSCRIPTION_SLOW_TIMEOUT_MS,
    replayMaxEvents: config.SUBSCRIPTION_REPLAY_MAX_EVENTS,
    replayConcurrency: config.SUBSCRIPTION_REPLAY_CONCURRENCY,
    replayWaiting: config.SUBSCRIPTION_REPLAY_WAITING,
    replayEventsPerSecond: config.SUBSCRIPTION_REPLAY_EVENTS_PER_SECOND,
    contextFor: (principal) => {
      const requestId = subscriptionRequestId();
      return {
        principal,
        requestId,
        logger: logger.child({ requestId, actor: principal.id }),
        // Signed per fetch: a subscription outlives the identity header's one-minute validity.
        identityHeader: () => signIdentity(principal, config.ECP_IDENTITY_SECRET),
      };
    },
  });

  const http = createHttpShell({
    logger,
    metrics,
    trustProxyHops: config.TRUST_PROXY_HOPS,
    readiness: [
      { name: 'redis', check: async () => void (await redis.ping()) },
      ...Object.entries(urls).map(([name, url]) => ({
        name: `subgraph:${name}`,
        check: async () => {
          const res = await request(new URL('/readyz', url), { headersTimeout: 2000, bodyTimeout: 2000 });
          await res.body.dump();
          if (res.statusCode !== 200) throw new Error(`${name} /readyz answered ${res.statusCode}`);
        },
      })),
    ],
  });

  http.server.maxConnections = config.MAX_CONNECTIONS;
  const sockets = attachWebSocketServer({
    server: http.server,
    path: '/graphql',
    authenticator,
    planner,
    hub,
    metrics: subscriptionMetrics,
    logger: logger.child({ module: 'graphql-ws' }),
    maxPayloadBytes: config.MAX_BODY_BYTES,
    pingIntervalMs: config.SUBSCRIPTION_PING_INTERVAL_MS,
    recheckIntervalMs: config.AUTH_CACHE_TTL_MS,
  });

  const { routes } = http;
  // The log's public key, for anyone to verify checkpoints without an account.
  routes.get('/ledger/public-key', async (_req, res) => {
    try {
      const answer = await request(new URL('/ledger/public-key', config.LEDGER_URL), {
        headersTimeout: 2000,
        bodyTimeout: 2000,
      });
      res
        .status(answer.statusCode)
        .type('text/plain')
        .send(await answer.body.text());
    } catch (err) {
      logger.warn({ err }, 'ledger public key unavailable');
      res.status(503).type('text/plain').send('the ledger subgraph is unavailable\n');
    }
  });
  routes.use(dashboardPages(config.DASHBOARD_DIR, logger.child({ module: 'pages' })));
  // A browser opening the endpoint itself is sent to the playground.
  routes.get('/graphql', (req, res, next) => {
    if (req.query.query === undefined && req.accepts(['html', 'json']) === 'html')
      return res.redirect('/playground');
    next();
  });

  mountAuthRoutes(routes, {
    people: new PeopleClient(config.LEDGER_URL, config.ECP_IDENTITY_SECRET, config.SUBGRAPH_TIMEOUT_MS),
    limiter: new SignInLimiter(redis, config.EVENT_STREAM_PREFIX, {
      perAccount: config.SIGN_IN_MAX_FAILURES_PER_ACCOUNT,
      perAddress: config.SIGN_IN_MAX_FAILURES_PER_ADDRESS,
      windowMs: config.SIGN_IN_FAILURE_WINDOW_MS,
    }),
    authenticator,
  });

  routes.use(
    '/graphql',
    ...strictJsonBody(config.MAX_BODY_BYTES),
    tokenLimit(limits),
    expressMiddleware(apollo, {
      context: async ({ req }): Promise<GatewayContext> => {
        let principal: GatewayContext['principal'];
        try {
          const authorization = req.header('authorization');
          const apiKey = req.header('x-api-key');
          const sessionToken = sessionTokenFrom(req.header('cookie'));
          // A cookie is ambient: another site's page must not be able to spend it (SameSite=Strict
          // already keeps it from being sent; this refuses what a browser without it would send).
          if (!authorization && !apiKey && sessionToken && isCrossOrigin(req.headers)) {
            throw new ForbiddenError('A session cookie is accepted from this origin only.');
          }
          ({ principal } = await authenticator.authenticate(authorization, apiKey, { sessionToken }));
        } catch (err) {
          if (isEcpError(err)) throw toGraphQLError(err);
          throw err;
        }
        const requestLogger = req.log.child({ actor: principal.id });
        let signed: string | undefined;
        return {
          principal,
          requestId: req.requestId,
          logger: requestLogger,
          identityHeader: () => {
            signed ??= signIdentity(principal, config.ECP_IDENTITY_SECRET);
            return signed;
          },
        };
      },
    }),
  );

  return {
    http,
    authenticator,
    async stop() {
      await Promise.all([http.drain(drainGraceMs(config.SHUTDOWN_DEADLINE_MS)), sockets.close()]);
      await hub.close();
      await apollo.stop();
      await Promise.all([...dataSources.values()].map((d) => d.close()));
      redis.disconnect();
    },
  };
}
