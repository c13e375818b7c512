import type { SubgraphDefinition } from '@ecp/service-kit/subgraph-runtime';
import { type AdvisoryContext, createAdvisoryContext } from './context';
import { VoteEntity } from './modules/votes/vote.entity';
import { advisorySchema } from './schema';

export function advisorySubgraph(): SubgraphDefinition<AdvisoryContext> {
  return {
    name: 'advisory',
    dbSchema: 'advisory',
    entities: [VoteEntity],
    schema: advisorySchema,
    createContext: createAdvisoryContext,
  };
}
