import { federationLink, subscriptionTopics } from '@ecp/service-kit/pothos-options';
import { builder } from './builder';
import './modules/alerts/alert.schema';
import './modules/break-glass/break-glass.schema';
import './modules/delivery/channel.schema';
import './modules/delivery/delivery.schema';
import './modules/incidents/incident.schema';
import './modules/silences/silence.schema';
import './modules/health/health.schema';
import './modules/reports/pm-report.schema';

/** The operations subgraph's schema (Federation 2), with the @topic directive composed into the supergraph. */
export const operationsSchema = builder.toSubGraphSchema({ ...federationLink, ...subscriptionTopics });
