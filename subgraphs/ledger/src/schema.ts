import { builder } from './builder';
import './modules/agents/agent.schema';

/** The ledger subgraph's schema (Federation 2). */
export const ledgerSchema = builder.toSubGraphSchema({
  linkUrl: 'https://specs.apollo.dev/federation/v2.6',
  federationDirectives: [
    '@key',
    '@shareable',
    '@external',
    '@requires',
    '@provides',
    '@tag',
    '@inaccessible',
  ],
});
