import { loadEnvOrExit } from '@ecp/config/env';
import { subgraphEnvShape } from '@ecp/service-kit/subgraph-env';
import { z } from 'zod';

export const operationsEnvSchema = z.object({ ...subgraphEnvShape(4004) });

export type OperationsConfig = z.output<typeof operationsEnvSchema>;

export function loadOperationsConfig(): OperationsConfig {
  return loadEnvOrExit('operations', operationsEnvSchema);
}
