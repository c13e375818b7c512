import type { ApolloServerPlugin, BaseContext } from '@apollo/server';
import { isEcpError } from '@ecp/errors/errors';
import type { Logger } from '@ecp/logging/logger';
import { GraphQLError } from 'graphql';
import type { ServiceMetrics } from './metrics';

/** Counts operations by type and outcome, times them, and counts returned errors by code. */
export function metricsPlugin<C extends BaseContext>(metrics: ServiceMetrics): ApolloServerPlugin<C> {
  return {
    async requestDidStart() {
      const started = performance.now();
      let operationType = 'unknown';
      let failed = false;
      return {
        async didResolveOperation({ operation }) {
          operationType = operation?.operation ?? 'unknown';
        },
        async didEncounterErrors({ errors }) {
          failed = true;
          for (const error of errors) {
            const original = error.originalError;
            const code = isEcpError(original)
              ? original.code
              : (error.extensions?.code as string | undefined);
            metrics.graphqlErrors.inc({ code: code ?? 'INTERNAL_SERVER_ERROR' });
          }
        },
        async willSendResponse({ response }) {
          if (response.body.kind === 'single' && response.body.singleResult.errors?.length) failed = true;
          metrics.graphqlOperations.inc({ operation_type: operationType, outcome: failed ? 'error' : 'ok' });
          metrics.graphqlOperationDuration.observe(
            { operation_type: operationType },
            (performance.now() - started) / 1000,
          );
        },
      };
    },
  };
}

/** Logs every error that is not an expected, coded one — once, with the request's logger. */
export function unexpectedErrorLoggingPlugin<C extends BaseContext & { logger: Logger }>(
  fallback: Logger,
): ApolloServerPlugin<C> {
  return {
    async requestDidStart() {
      return {
        async didEncounterErrors({ errors, contextValue }) {
          for (const error of errors) {
            const original = error.originalError;
            if (isEcpError(original)) continue;
            if (original instanceof GraphQLError || (original === undefined && error.extensions?.code))
              continue;
            if (original === undefined) continue;
            // A subgraph's answer relayed by the gateway: coded there, and logged there when unexpected.
            if (typeof (original as { extensions?: { code?: unknown } }).extensions?.code === 'string')
              continue;
            (contextValue?.logger ?? fallback).error(
              { err: original, path: error.path },
              'unexpected error in resolver',
            );
          }
        },
      };
    },
  };
}

/**
 * Refuses, with 400 OPERATION_RESOLUTION_FAILURE, a document from which no operation can be chosen (two
 * operations and no `operationName`, or an `operationName` it does not define). Apollo Server does this
 * itself when it executes a schema; in front of `@apollo/gateway` the gateway's executor would throw it
 * as a 500 instead.
 */
export function operationResolutionPlugin<C extends BaseContext>(): ApolloServerPlugin<C> {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ operation, request, document }) {
          if (operation) return;
          const named = request.operationName;
          const count = document.definitions.filter((d) => d.kind === 'OperationDefinition').length;
          const message = named
            ? `Unknown operation named "${named}".`
            : count > 1
              ? 'Must provide operation name if query contains multiple operations.'
              : 'The document contains no operation.';
          throw new GraphQLError(message, {
            extensions: { code: 'OPERATION_RESOLUTION_FAILURE', http: { status: 400 } },
          });
        },
      };
    },
  };
}
