import { OutcomeReportEntity } from './modules/calibration/outcome-report.entity';
import { JurisdictionVersionEntity } from './modules/jurisdictions/jurisdiction.entity';

/** What this subgraph keeps and where, as its GraphQL assembly and its jobs both open it. */
export const LEARNING_STORAGE = {
  dbSchema: 'learning',
  entities: [OutcomeReportEntity, JurisdictionVersionEntity],
};
