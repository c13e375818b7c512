import type { SubgraphDefinition } from '@ecp/service-kit/subgraph-runtime';
import { createLearningContext, type LearningContext } from './context';
import { learningSchema } from './schema';
import { DEFAULT_LEARNING_SETTINGS, type LearningSettings } from './settings';
import { LEARNING_STORAGE } from './storage';

export function learningSubgraph(
  settings: LearningSettings = DEFAULT_LEARNING_SETTINGS,
): SubgraphDefinition<LearningContext> {
  return {
    name: 'learning-consortium',
    ...LEARNING_STORAGE,
    schema: learningSchema,
    createContext: (scope, orm) => createLearningContext(scope, orm, settings),
  };
}
