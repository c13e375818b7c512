import type { SubgraphDefinition } from '@ecp/service-kit/subgraph-runtime';
import { createOperationsContext, type OperationsContext } from './context';
import { BreakGlassSessionEntity } from './modules/break-glass/break-glass-session.entity';
import { operationsSchema } from './schema';

export function operationsSubgraph(): SubgraphDefinition<OperationsContext> {
  return {
    name: 'operations',
    dbSchema: 'operations',
    entities: [BreakGlassSessionEntity],
    schema: operationsSchema,
    createContext: createOperationsContext,
  };
}
