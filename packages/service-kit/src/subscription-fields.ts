/**
 * How a subgraph declares a subscription field. The gateway executes subscriptions (graphql-ws, the
 * event streams, the query plan); the subgraph owns the field, its `@topic`, and the rule of who may
 * subscribe with which arguments.
 *
 * Before the gateway accepts a subscription, it sends the root field with the subscriber's arguments
 * to the owning subgraph over HTTP, with the subscriber's signed identity, selecting only `__typename`
 * (`subscription ECPSubscribe_decisionRecorded($filter: DecisionFilter) { decisionRecorded(filter:
 * $filter) { __typename } }`). The field's `resolve` is that check: it runs the rule of the field's
 * matching query — the same function — and throws its typed error to refuse (the subscriber gets it
 * as is, code and details), or returns `SUBSCRIPTION_ALLOWED`.
 *
 * ```ts
 * decisionRecorded: t.field({
 *   type: DecisionRef,
 *   args: { filter: t.arg({ type: DecisionFilterRef }) },
 *   directives: { topic: { name: 'decisionRecorded' } },
 *   subscribe: servedByGateway,
 *   resolve: (_root, { filter }, ctx) => {
 *     ctx.decisions.checkFilter(filter ?? {}); // what `decisions(filter)` runs too
 *     return SUBSCRIPTION_ALLOWED;
 *   },
 * }),
 * ```
 */

/** A subscription field's `subscribe`: subgraphs never stream; the gateway does. */
export function servedByGateway(): never {
  throw new Error('subscriptions are executed by the ECP gateway over graphql-ws');
}

/**
 * What a subscription field's `resolve` returns when the subscriber may subscribe: a value of the
 * field's type whose only selected field is `__typename`, which graphql-js answers from the type
 * itself. (Null would not do: ECP's subscription fields are non-null, and graphql-js answers a null
 * for one with an error.) Typed as whatever the field returns, since nothing of it is read.
 */
export const SUBSCRIPTION_ALLOWED: never = Object.freeze({}) as never;
