import type { SubgraphDefinition } from '@ecp/service-kit/subgraph-runtime';
import { type AdvisoryContext, createAdvisoryContext } from './context';
import { advisorySchema } from './schema';
import { ADVISORY_STORAGE } from './storage';

export function advisorySubgraph(): SubgraphDefinition<AdvisoryContext> {
  return {
    name: 'advisory',
    ...ADVISORY_STORAGE,
    schema: advisorySchema,
    createContext: createAdvisoryContext,
  };
}
