import { federationLink } from '@ecp/service-kit/pothos-options';
import { builder } from './builder';
import './modules/agents/agent.schema';
import './modules/ledger/ledger.schema';
import './modules/ledger/decision.schema';

/** The ledger subgraph's schema (Federation 2). */
export const ledgerSchema = builder.toSubGraphSchema(federationLink);
