import { loadEnvOrExit } from '@ecp/config/env';
import { subgraphEnvShape } from '@ecp/service-kit/subgraph-env';
import { z } from 'zod';

export const advisoryEnvSchema = z.object({ ...subgraphEnvShape(4002) });

export type AdvisoryConfig = z.output<typeof advisoryEnvSchema>;

export function loadAdvisoryConfig(): AdvisoryConfig {
  return loadEnvOrExit('advisory', advisoryEnvSchema);
}
