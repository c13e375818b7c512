import { executeQueryPlan, type GraphQLDataSource } from '@apollo/gateway';
import type { QueryPlan } from '@apollo/query-planner';
import type { GatewayGraphQLResponse } from '@apollo/server-gateway-interface';
import type { EventEnvelope } from '@ecp/events/event';
import type { Logger } from '@ecp/logging/logger';
import type { GraphQLFormattedError } from 'graphql';
import type { GatewayContext } from '../context';
import type { PlannedSubscription, SubscriptionPlanner } from './subscription-planner';

export interface EventResult {
  data?: Record<string, unknown> | null;
  errors?: readonly GraphQLFormattedError[];
}

/**
 * Runs a planned subscription for one event, through the gateway's own query-plan executor: the
 * subscription's primary fetch is answered by a stand-in that fetches the event's entity from its
 * owning subgraph (an `_entities` fetch, fresh), and the rest of the plan — every other subgraph's
 * fields — runs exactly as for a query, with the subscriber's identity on every fetch.
 */
export class EventExecutor {
  constructor(
    private readonly planner: SubscriptionPlanner,
    private readonly dataSources: ReadonlyMap<string, GraphQLDataSource<GatewayContext>>,
    private readonly logger: Logger,
  ) {}

  async execute(
    planned: PlannedSubscription,
    event: EventEnvelope,
    variables: Record<string, unknown>,
    context: GatewayContext,
  ): Promise<EventResult> {
    const serviceMap: Record<string, GraphQLDataSource> = Object.fromEntries(this.dataSources);
    serviceMap[planned.owner] = this.standIn(planned, event);
    const primary = { ...planned.primary, operationKind: 'query' as never };
    const plan: QueryPlan = {
      kind: 'QueryPlan',
      node: planned.rest ? { kind: 'Sequence', nodes: [primary, planned.rest] } : primary,
    };
    const requestContext = {
      request: { variables },
      context,
      logger: apolloLogger(context.logger ?? this.logger),
      metrics: {},
    };
    const result = await executeQueryPlan(
      plan,
      serviceMap as never,
      requestContext as never,
      planned.operationContext,
      this.planner.supergraphGraphQLSchema,
      this.planner.apiSchema,
    );
    return {
      data: result.data as Record<string, unknown> | null | undefined,
      errors: result.errors?.map((e) => e.toJSON?.() ?? e),
    };
  }

  /** Answers the primary fetch from the event: the entity's key, plus its owner's fields fetched fresh. */
  private standIn(planned: PlannedSubscription, event: EventEnvelope): GraphQLDataSource<GatewayContext> {
    const owner = this.dataSources.get(planned.owner);
    const representation = { __typename: event.typename, ...event.key };
    return {
      process: async (options): Promise<GatewayGraphQLResponse> => {
        if (!planned.entityFetch || !owner) return { data: { [planned.responseKey]: representation } };
        const variables: Record<string, unknown> = { representations: [representation] };
        for (const name of planned.entityFetch.variables) variables[name] = options.request.variables?.[name];
        const response = await owner.process({
          ...options,
          request: {
            ...options.request,
            query: planned.entityFetch.query,
            variables,
            operationName: undefined,
          },
        } as never);
        const entity = (response.data as { _entities?: unknown[] } | undefined)?._entities?.[0] ?? null;
        const errors = response.errors?.map((e) => ({
          ...e,
          path: e.path ? [planned.responseKey, ...e.path.slice(2)] : undefined,
        }));
        return {
          data: { [planned.responseKey]: entity },
          ...(errors?.length ? { errors: errors as never } : {}),
        };
      },
    };
  }
}

function apolloLogger(logger: Logger) {
  return {
    debug: (m: unknown) => logger.debug(String(m)),
    info: (m: unknown) => logger.info(String(m)),
    warn: (m: unknown) => logger.warn(String(m)),
    error: (m: unknown) => logger.error(String(m)),
  };
}
