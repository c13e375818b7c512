import type { SubgraphDefinition } from '@ecp/service-kit/subgraph-runtime';
import { createOperationsContext, type OperationsContext } from './context';
import { operationsSchema } from './schema';
import { OPERATIONS_STORAGE } from './storage';

export function operationsSubgraph(): SubgraphDefinition<OperationsContext> {
  return {
    name: 'operations',
    ...OPERATIONS_STORAGE,
    schema: operationsSchema,
    createContext: createOperationsContext,
  };
}
