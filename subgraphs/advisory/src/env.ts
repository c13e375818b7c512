import { loadEnvOrExit } from '@ecp/config/env';
import { DEFAULT_QUEUE_PREFIX } from '@ecp/jobs/job-options';
import { subgraphEnvShape } from '@ecp/service-kit/subgraph-env';
import { z } from 'zod';

export const advisoryEnvSchema = z.object({
  ...subgraphEnvShape(4002),
  /** The workers' queues, where a poll's closing timer is put (the same prefix as the workers'). */
  QUEUE_PREFIX: z.string().min(1).default(DEFAULT_QUEUE_PREFIX),
});

export type AdvisoryConfig = z.output<typeof advisoryEnvSchema>;

export function loadAdvisoryConfig(): AdvisoryConfig {
  return loadEnvOrExit('advisory', advisoryEnvSchema);
}
