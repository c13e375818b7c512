import { federationLink } from '@ecp/service-kit/pothos-options';
import { builder } from './builder';
import './modules/break-glass/break-glass.schema';
import './modules/reports/pm-report.schema';

/** The operations subgraph's schema (Federation 2). */
export const operationsSchema = builder.toSubGraphSchema(federationLink);
