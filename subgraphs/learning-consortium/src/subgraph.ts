import type { SubgraphDefinition } from '@ecp/service-kit/subgraph-runtime';
import { createLearningContext, type LearningContext } from './context';
import { OutcomeReportEntity } from './modules/calibration/outcome-report.entity';
import { learningSchema } from './schema';

export function learningSubgraph(): SubgraphDefinition<LearningContext> {
  return {
    name: 'learning-consortium',
    dbSchema: 'learning',
    entities: [OutcomeReportEntity],
    schema: learningSchema,
    createContext: createLearningContext,
  };
}
