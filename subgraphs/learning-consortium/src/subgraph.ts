import type { ServiceDirectory } from '@ecp/service-kit/service-directory';
import type { SubgraphDefinition } from '@ecp/service-kit/subgraph-runtime';
import { createLearningContext, type LearningContext } from './context';
import { type LearningLedger, serviceLedger } from './ledger/learning-ledger';
import { learningSchema } from './schema';
import { DEFAULT_LEARNING_SETTINGS, type LearningSettings } from './settings';
import { LEARNING_STORAGE } from './storage';
import { LEARNING_TOPICS } from './topics';

export interface LearningOptions {
  settings?: LearningSettings;
  /** The ledger it reports to; by default the ledger subgraph over the service client. */
  ledger?: (services: ServiceDirectory) => LearningLedger;
}

export function learningSubgraph(options: LearningOptions = {}): SubgraphDefinition<LearningContext> {
  const settings = options.settings ?? DEFAULT_LEARNING_SETTINGS;
  let ledger: LearningLedger | undefined;
  return {
    name: 'learning-consortium',
    ...LEARNING_STORAGE,
    schema: learningSchema,
    events: { topics: LEARNING_TOPICS },
    async setup(platform) {
      ledger = (options.ledger ?? serviceLedger)(platform.services);
      return async () => {};
    },
    createContext: (scope, orm, platform) => {
      if (!ledger) throw new Error('the learning subgraph was not set up');
      return createLearningContext(scope, orm, platform, { settings, ledger });
    },
  };
}
