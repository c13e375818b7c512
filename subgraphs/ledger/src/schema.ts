import { federationLink, subscriptionTopics } from '@ecp/service-kit/pothos-options';
import { builder } from './builder';
import './modules/agents/agent.schema';
import './modules/api-keys/api-key.schema';
import './modules/entries/append-entry.schema';
import './modules/firewall/firewall.schema';
import './modules/ledger/ledger.schema';
import './modules/ledger/decision.schema';
import './modules/ledger/subscriptions.schema';
import './modules/liability/liability-allocation.schema';
import './modules/liability/liability-rules.schema';
import './modules/people/people.schema';
import './modules/precedents/precedent.schema';
import './modules/stats/decision-stats.schema';

/** The ledger subgraph's schema (Federation 2), with the @topic directive composed into the supergraph. */
export const ledgerSchema = builder.toSubGraphSchema({
  ...federationLink,
  ...subscriptionTopics,
});
