import { loadEnvOrExit } from '@ecp/config/env';
import { subgraphEnvShape } from '@ecp/service-kit/subgraph-env';
import { z } from 'zod';

export const learningEnvSchema = z.object({ ...subgraphEnvShape(4003) });

export type LearningConfig = z.output<typeof learningEnvSchema>;

export function loadLearningConfig(): LearningConfig {
  return loadEnvOrExit('learning-consortium', learningEnvSchema);
}
