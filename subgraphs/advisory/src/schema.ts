import { federationLink, subscriptionTopics } from '@ecp/service-kit/pothos-options';
import { builder } from './builder';
import './modules/votes/vote.schema';
import './modules/weights/weight-set.schema';
import './modules/friction/friction.schema';
import './modules/polls/poll.schema';
import './modules/agreement/agreement.schema';
import './modules/divergence/divergence.schema';
import './modules/stats/advice-stats.schema';

/** The advisory subgraph's schema (Federation 2), with the @topic directive composed into the supergraph. */
export const advisorySchema = builder.toSubGraphSchema({ ...federationLink, ...subscriptionTopics });
