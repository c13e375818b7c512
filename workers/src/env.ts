import { loadEnvOrExit } from '@ecp/config/env';
import { port, redisUrl, serviceCommon } from '@ecp/config/schemas';
import { z } from 'zod';

export const workersEnvSchema = z.object({
  ...serviceCommon,
  HOST: z.string().default('127.0.0.1'),
  /** Port of the workers' operational endpoints (/healthz, /readyz, /metrics). */
  PORT: port(4005),
  REDIS_URL: redisUrl,
});

export type WorkersConfig = z.output<typeof workersEnvSchema>;

export function loadWorkersConfig(): WorkersConfig {
  return loadEnvOrExit('workers', workersEnvSchema);
}
