import { z } from 'zod';
import { pmReportSettingsShape } from './modules/reports/pm-report.settings';

/**
 * The operations subgraph's settings, read from the environment of whichever process runs its code:
 * the subgraph (requests) and the workers (its jobs, schedulers and consumers) read the same variables,
 * which `ecp start` and docker-compose give both. Secrets (SMTP password, Slack webhooks, GitHub token)
 * live here only: never in job data, logs or the graph.
 *
 * Each part of operations adds its own variables to this one shape.
 */
export const operationsSettingsSchema = z.object({
  ...pmReportSettingsShape,
});

export type OperationsSettings = z.output<typeof operationsSettingsSchema>;

/** Reads the settings, naming every variable that is wrong in one error. */
export function operationsSettings(env: NodeJS.ProcessEnv = process.env): OperationsSettings {
  const parsed = operationsSettingsSchema.safeParse(env);
  if (!parsed.success) {
    throw new Error(
      `operations settings refused: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
    );
  }
  return parsed.data;
}
