import { ApolloServer, type BaseContext } from '@apollo/server';
import {
  ApolloServerPluginInlineTraceDisabled,
  ApolloServerPluginLandingPageDisabled,
} from '@apollo/server/plugin/disabled';
import { expressMiddleware } from '@as-integrations/express5';
import { UnauthenticatedError } from '@ecp/errors/errors';
import { formatGraphQLError } from '@ecp/errors/graphql-errors';
import { IDENTITY_HEADER, IdentityHeaderError, verifyIdentity } from '@ecp/identity/identity-header';
import type { Principal } from '@ecp/identity/principal';
import type { Logger } from '@ecp/logging/logger';
import type { Router } from 'express';
import type { GraphQLSchema } from 'graphql';
import { metricsPlugin, unexpectedErrorLoggingPlugin } from './apollo-plugins';
import { createHttpShell, type HttpShell } from './http-app';
import type { ServiceMetrics } from './metrics';
import type { ReadinessCheck } from './readiness';
import { strictJsonBody } from './strict-json-body';

/** What every subgraph request starts from: the verified caller, the request id and a logger carrying both. */
export interface RequestScope {
  principal: Principal;
  requestId: string;
  logger: Logger;
}

export interface SubgraphServerOptions<C extends BaseContext & { logger: Logger }> {
  schema: GraphQLSchema;
  logger: Logger;
  metrics: ServiceMetrics;
  /** The current identity secret first, then any being rotated out. */
  identitySecrets: readonly string[];
  readiness: readonly ReadinessCheck[];
  createContext: (scope: RequestScope) => Promise<C> | C;
  maxBodyBytes?: number;
  /** Extra routes mounted before /graphql (internal endpoints that carry their own checks). */
  mount?: (routes: Router) => void;
}

export interface SubgraphServer<C extends BaseContext> {
  http: HttpShell;
  apollo: ApolloServer<C>;
}

/**
 * An Apollo Server subgraph inside the shared HTTP shell. Every GraphQL request must carry an
 * identity header signed by the gateway; anything else is refused with 401 UNAUTHENTICATED before
 * any resolver runs, so a subgraph cannot be reached around the gateway.
 */
export async function createSubgraphServer<C extends BaseContext & { logger: Logger }>(
  options: SubgraphServerOptions<C>,
): Promise<SubgraphServer<C>> {
  const {
    schema,
    logger,
    metrics,
    identitySecrets,
    readiness,
    createContext,
    maxBodyBytes = 1_048_576,
  } = options;
  const apollo = new ApolloServer<C>({
    schema,
    introspection: true,
    includeStacktraceInErrorResponses: false,
    // The process's shutdown routine owns SIGTERM/SIGINT: it drains HTTP first and stops Apollo after.
    // Apollo's own handlers would stop it at once and fail every request still arriving with a 500.
    stopOnTerminationSignals: false,
    formatError: (formatted, error) => formatGraphQLError(formatted, error, () => {}),
    plugins: [
      ApolloServerPluginLandingPageDisabled(),
      // Federated traces (ftv1) feed Apollo's hosted studio, which ECP does not use.
      ApolloServerPluginInlineTraceDisabled(),
      metricsPlugin(metrics),
      unexpectedErrorLoggingPlugin(logger),
    ],
  });
  await apollo.start();

  const http = createHttpShell({ logger, metrics, readiness });
  options.mount?.(http.routes);
  http.routes.use(
    '/graphql',
    (req, res, next) => {
      try {
        res.locals.principal = verifyIdentity(req.header(IDENTITY_HEADER), identitySecrets);
        next();
      } catch (err) {
        if (!(err instanceof IdentityHeaderError)) return next(err);
        req.log.warn({ failure: err.failure }, 'refused a request without a valid gateway identity');
        next(
          new UnauthenticatedError(
            `Refused: ${err.message}. Subgraphs only answer requests forwarded by the ECP gateway.`,
          ),
        );
      }
    },
    ...strictJsonBody(maxBodyBytes),
    expressMiddleware(apollo, {
      context: async ({ req, res }) => {
        const principal = res.locals.principal as Principal;
        // A service calling on someone's behalf is logged as that someone, via the service.
        const logged = principal.actor
          ? { actor: principal.actor.id, via: principal.id }
          : { actor: principal.id };
        const scope: RequestScope = { principal, requestId: req.requestId, logger: req.log.child(logged) };
        return createContext(scope);
      },
    }),
  );
  return { http, apollo };
}
