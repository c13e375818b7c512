import { loadEnvOrExit } from '@ecp/config/env';
import { DEFAULT_QUEUE_PREFIX } from '@ecp/jobs/job-options';
import { subgraphEnvShape } from '@ecp/service-kit/subgraph-env';
import { z } from 'zod';
import { type OperationsSettings, operationsSettings } from './settings';

export const operationsEnvSchema = z.object({
  ...subgraphEnvShape(4004),
  /** The workers' queues, where timers and deliveries go (the same prefix as the workers'). */
  QUEUE_PREFIX: z.string().min(1).default(DEFAULT_QUEUE_PREFIX),
});

export type OperationsConfig = z.output<typeof operationsEnvSchema>;

export function loadOperationsConfig(): OperationsConfig {
  return loadEnvOrExit('operations', operationsEnvSchema);
}

let settingsOfThisProcess: OperationsSettings | undefined;

/**
 * The operations settings of this process's environment, parsed once: the subgraph and the workers
 * (which host its jobs) both read them here.
 */
export function loadOperationsSettings(): OperationsSettings {
  settingsOfThisProcess ??= operationsSettings(process.env);
  return settingsOfThisProcess;
}
