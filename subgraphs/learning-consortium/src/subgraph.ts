import type { SubgraphDefinition } from '@ecp/service-kit/subgraph-runtime';
import { createLearningContext, type LearningContext } from './context';
import { learningSchema } from './schema';
import { LEARNING_STORAGE } from './storage';

export function learningSubgraph(): SubgraphDefinition<LearningContext> {
  return {
    name: 'learning-consortium',
    ...LEARNING_STORAGE,
    schema: learningSchema,
    createContext: createLearningContext,
  };
}
