import { federationLink } from '@ecp/service-kit/pothos-options';
import { builder } from './builder';
import './modules/calibration/calibration.schema';
import './modules/jurisdictions/jurisdiction.schema';

/** The learning-consortium subgraph's schema (Federation 2). */
export const learningSchema = builder.toSubGraphSchema(federationLink);
