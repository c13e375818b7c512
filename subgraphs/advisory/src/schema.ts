import { federationLink } from '@ecp/service-kit/pothos-options';
import { builder } from './builder';
import './modules/votes/vote.schema';

/** The advisory subgraph's schema (Federation 2). */
export const advisorySchema = builder.toSubGraphSchema(federationLink);
