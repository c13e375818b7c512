import { builder } from '../../builder';
import { DecisionFilterRef, DecisionRef } from './decision.schema';
import type { DecisionView } from './decision.service';
import type { CheckpointRow } from './ledger.entities';
import { CheckpointRef } from './ledger.schema';

/**
 * Subscription fields are declared here so that they compose into the supergraph, with the topic that
 * feeds them; the gateway executes them (the subgraph never does: it only resolves the entities).
 */
function servedByGateway(): never {
  throw new Error('subscriptions are executed by the ECP gateway over graphql-ws');
}

builder.subscriptionFields((t) => ({
  decisionRecorded: t.field({
    type: DecisionRef,
    description:
      'Each decision as it is recorded, resolved fresh from every subgraph. Agents may filter by their own id and jurisdictions only; people by anything.',
    args: {
      filter: t.arg({ type: DecisionFilterRef, required: false, description: 'Conditions to match.' }),
    },
    directives: { topic: { name: 'decisionRecorded' } },
    subscribe: servedByGateway,
    resolve: (event: DecisionView) => event,
  }),
  checkpointPublished: t.field({
    type: CheckpointRef,
    description: 'Each signed checkpoint as it is published.',
    directives: { topic: { name: 'checkpointPublished' } },
    subscribe: servedByGateway,
    resolve: (event: CheckpointRow) => event,
  }),
}));
