import { federationLink, subscriptionTopics } from '@ecp/service-kit/pothos-options';
import { builder } from './builder';
import './modules/calibration/calibration.schema';
import './modules/jurisdictions/jurisdiction.schema';
import './modules/outcomes/outcome.schema';
import './modules/lessons/lesson.schema';
import './modules/links/link.schema';
import './modules/stats/outcome-stats.schema';

/** The learning-consortium subgraph's schema (Federation 2), with the @topic directive composed into the supergraph. */
export const learningSchema = builder.toSubGraphSchema({ ...federationLink, ...subscriptionTopics });
