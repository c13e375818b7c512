import { loadEnvOrExit } from '@ecp/config/env';
import { DEFAULT_QUEUE_PREFIX } from '@ecp/jobs/job-options';
import { subgraphEnvShape } from '@ecp/service-kit/subgraph-env';
import { z } from 'zod';

export const operationsEnvSchema = z.object({
  ...subgraphEnvShape(4004),
  /** The workers' queues, where timers and deliveries go (the same prefix as the workers'). */
  QUEUE_PREFIX: z.string().min(1).default(DEFAULT_QUEUE_PREFIX),
});

export type OperationsConfig = z.output<typeof operationsEnvSchema>;

export function loadOperationsConfig(): OperationsConfig {
  return loadEnvOrExit('operations', operationsEnvSchema);
}
