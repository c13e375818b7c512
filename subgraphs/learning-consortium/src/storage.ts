import { JurisdictionVersionEntity } from './modules/jurisdictions/jurisdiction.entity';
import {
  LessonContributionEntity,
  LessonVersionEntity,
  LspLinkEntity,
} from './modules/lessons/lesson.entities';
import { OutcomeReportEntity } from './modules/outcomes/outcome-report.entity';

/** What this subgraph keeps and where, as its GraphQL assembly and its jobs both open it. */
export const LEARNING_STORAGE = {
  dbSchema: 'learning',
  entities: [
    OutcomeReportEntity,
    JurisdictionVersionEntity,
    LessonVersionEntity,
    LessonContributionEntity,
    LspLinkEntity,
  ],
};
