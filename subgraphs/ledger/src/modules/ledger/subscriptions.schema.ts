import { SUBSCRIPTION_ALLOWED, servedByGateway } from '@ecp/service-kit/subscription-fields';
import { builder } from '../../builder';
import { DecisionFilterRef, DecisionRef } from './decision.schema';
import { CheckpointRef } from './ledger.schema';

/**
 * Subscription fields are declared here so that they compose into the supergraph, with the topic that
 * feeds them. The gateway executes them; what the ledger does for one is say, when the gateway asks at
 * subscribe time, whether the caller may subscribe with those arguments — by the rule of the matching
 * query (`@ecp/service-kit/subscription-fields`).
 */
builder.subscriptionFields((t) => ({
  decisionRecorded: t.field({
    type: DecisionRef,
    description:
      'Each decision as it is recorded, resolved fresh from every subgraph. Filters are those of `decisions`, under the same rule: a filter `decisions` refuses is refused here when subscribing, with the same error.',
    args: {
      filter: t.arg({ type: DecisionFilterRef, required: false, description: 'Conditions to match.' }),
    },
    directives: { topic: { name: 'decisionRecorded' } },
    subscribe: servedByGateway,
    resolve: (_root, { filter }, ctx) => {
      ctx.decisions.checkFilter(filter ?? {});
      return SUBSCRIPTION_ALLOWED;
    },
  }),
  checkpointPublished: t.field({
    type: CheckpointRef,
    description: 'Each signed checkpoint as it is published.',
    directives: { topic: { name: 'checkpointPublished' } },
    subscribe: servedByGateway,
    // Checkpoints are for everyone to check the log against, as `checkpoints` serves them.
    resolve: () => SUBSCRIPTION_ALLOWED,
  }),
}));
