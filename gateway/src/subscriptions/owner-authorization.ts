import type { GraphQLDataSource } from '@apollo/gateway';
import { GraphQLError, type GraphQLFormattedError } from 'graphql';
import type { GatewayContext } from '../context';
import type { PlannedSubscription } from './subscription-planner';

/** Decides whether a subscription may start; throws what the subscriber should be told if not. */
export interface SubscriptionAuthorization {
  check(
    planned: PlannedSubscription,
    variables: Record<string, unknown>,
    context: GatewayContext,
  ): Promise<void>;
}

/**
 * Refusals of a subscription, as the subgraph that owns its field answered them: each with its message
 * and `extensions` (its `code` and details), plus `serviceName`, as `@apollo/gateway` reports a
 * subgraph's errors for queries.
 */
export class SubscriptionRefusedError extends AggregateError {
  declare readonly errors: GraphQLError[];

  constructor(errors: GraphQLError[]) {
    super(errors, errors.map((e) => e.message).join('; '));
    this.name = 'SubscriptionRefusedError';
  }
}

/**
 * Authorization of a subscription by the subgraph that owns its root field, with the rule of the
 * field's matching query (`decisionRecorded(filter)` is judged as `decisions(filter)`). Before the
 * subscription is accepted, the root field with the subscriber's arguments — selecting only
 * `__typename` — goes to the owner over HTTP through its ordinary data source, so it carries the
 * subscriber's signed identity and request id. The owner's field resolver runs the rule and either
 * throws its typed error, which the subscriber gets as is, or answers the field's `__typename`, which
 * allows it (see `@ecp/service-kit/subscription-fields`). The gateway itself holds no rule: a new
 * subscription field is authorized by its subgraph with no gateway change.
 *
 * Anything else refuses: an owner that cannot be reached (`SUBGRAPH_UNAVAILABLE`), or that answers
 * neither an error nor the type name.
 */
export class OwnerAuthorization implements SubscriptionAuthorization {
  constructor(private readonly dataSources: ReadonlyMap<string, GraphQLDataSource<GatewayContext>>) {}

  async check(
    planned: PlannedSubscription,
    variables: Record<string, unknown>,
    context: GatewayContext,
  ): Promise<void> {
    const owner = this.dataSources.get(planned.owner);
    if (!owner) throw new Error(`no data source for subgraph "${planned.owner}"`);
    const { query, variables: used } = planned.authorizationFetch;
    const request = {
      query,
      variables: Object.fromEntries(used.filter((v) => v in variables).map((v) => [v, variables[v]])),
    };
    const response = await owner.process({ kind: 'incoming operation', request, context } as never);
    const errors = (response.errors ?? []) as readonly GraphQLFormattedError[];
    if (errors.length > 0) {
      throw new SubscriptionRefusedError(
        errors.map(
          (e) => new GraphQLError(e.message, { extensions: { ...e.extensions, serviceName: planned.owner } }),
        ),
      );
    }
    const answer = (response.data as Record<string, { __typename?: unknown } | null> | null | undefined)?.[
      planned.field
    ];
    if (typeof answer?.__typename === 'string') return;
    context.logger.error(
      { subgraph: planned.owner, field: planned.field, answer: response.data },
      'a subgraph answered a subscription check with neither an error nor its type',
    );
    throw new SubscriptionRefusedError([
      new GraphQLError(`Subgraph "${planned.owner}" did not say whether you may subscribe.`, {
        extensions: { code: 'INTERNAL_SERVER_ERROR', serviceName: planned.owner },
      }),
    ]);
  }
}
