import { Kind, type OperationDefinitionNode, parse } from 'graphql';

declare const declared: unique symbol;

/**
 * A GraphQL operation one subgraph sends another, with the shape of its answer (`TData`) and of its
 * variables (`TVariables`) declared beside its text. The types are the caller's promise about the
 * target's schema, checked by the caller's tests against the real target, not generated.
 */
export interface ServiceOperation<TData, TVariables> {
  /** The operation's name: sent as `operationName`, and the `operation` label of the client's metrics. */
  readonly name: string;
  /** Queries may be retried; mutations never are. */
  readonly kind: 'query' | 'mutation';
  /** The operation's text, sent as written. */
  readonly source: string;
  /** Carries the declared types for the compiler; never present at run time. */
  readonly [declared]?: { data: TData; variables: TVariables };
}

/** No variables: what an operation without any declares. */
export type NoVariables = Record<string, never>;

/**
 * Declares an operation for `ServiceClient.request`:
 *
 * ```ts
 * const FRICTION = defineOperation<{ friction: { score: number } | null }, { decisionId: string }>(`
 *   query FrictionForFirewall($decisionId: ID!) { friction(decisionId: $decisionId) { score } }
 * `);
 * ```
 *
 * The text is parsed at once, so a typo fails when the module loads. It must hold exactly one
 * operation, named (metrics and logs name it), a query or a mutation; fragments may follow it.
 */
export function defineOperation<TData, TVariables extends Record<string, unknown> = NoVariables>(
  source: string,
): ServiceOperation<TData, TVariables> {
  const operations = parse(source).definitions.filter(
    (d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION,
  );
  const [operation] = operations;
  if (operations.length !== 1 || !operation) {
    throw new TypeError(`a service operation holds exactly one operation, not ${operations.length}`);
  }
  if (!operation.name) throw new TypeError('a service operation must be named');
  if (operation.operation === 'subscription') {
    throw new TypeError(`${operation.name.value}: subscriptions travel as events, not service calls`);
  }
  return { name: operation.name.value, kind: operation.operation, source };
}
