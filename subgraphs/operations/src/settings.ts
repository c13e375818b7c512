import { z } from 'zod';
import { deliverySettingsShape } from './modules/delivery/delivery-settings';

/**
 * The operations subgraph's settings, read from the environment of whichever process runs its code:
 * the subgraph (requests) and the workers (its jobs, schedulers and consumers) read the same variables,
 * which `ecp start` and docker-compose give both. Secrets (SMTP password, Slack webhooks, GitHub token)
 * live here only: never in job data, logs or the graph.
 *
 * Each part of operations adds its own variables to this one shape.
 */
export const operationsSettingsSchema = z.object({
  ...deliverySettingsShape,
  /** Break-glass sessions one person may open per UTC day. */
  BREAK_GLASS_DAILY_CAP: z.coerce.number().int().min(1).max(100).default(3),
  /** The longest a break-glass session may last, in minutes: 15 at most, whatever is configured. */
  BREAK_GLASS_MAX_MINUTES: z.coerce.number().int().min(1).max(15).default(15),
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
