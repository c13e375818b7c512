import { z } from 'zod';
import { deliverySettingsShape } from './modules/delivery/delivery-settings';
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
  ...deliverySettingsShape,
  /** The escalation policy (name) of incidents opened without one, and of those critical alerts open. */
  ESCALATION_DEFAULT_POLICY: z.string().trim().optional(),
  // Alerting (Alertmanager's timers): wait before a new group's first notification, least time
  // between two notifications of a group that changed, and between reminders of one that did not.
  ALERT_GROUP_WAIT_MS: z.coerce.number().int().min(0).default(30_000),
  ALERT_GROUP_INTERVAL_MS: z.coerce.number().int().positive().default(300_000),
  ALERT_REPEAT_INTERVAL_MS: z.coerce
    .number()
    .int()
    .positive()
    .default(4 * 3600_000),
  // A divergence alert resolves once no exceedance came for this long.
  DIVERGENCE_ALERT_RESOLVE_MS: z.coerce.number().int().positive().default(3600_000),
  /** Health checks: how often every environment is checked, and how many at once. */
  HEALTH_CHECK_INTERVAL_MS: z.coerce.number().int().min(10_000).default(900_000),
  HEALTH_CHECK_CONCURRENCY: z.coerce.number().int().min(1).max(1000).default(50),
  /** How long one check may take (connection, response and body), and the most of a body read. */
  HEALTH_CHECK_TIMEOUT_MS: z.coerce.number().int().min(100).max(120_000).default(10_000),
  HEALTH_MAX_BODY_BYTES: z.coerce.number().int().min(1024).default(1_048_576),
  /** An https environment's certificate expiring within this many days raises certificate-expiring. */
  HEALTH_CERT_WARNING_DAYS: z.coerce.number().int().min(0).default(14),
  /** Health history kept: runs younger than this many days, at most this many per environment. */
  HEALTH_HISTORY_DAYS: z.coerce.number().int().min(8).default(8),
  HEALTH_HISTORY_MAX_RUNS: z.coerce.number().int().min(100).default(1000),
  /** A PEM file of certificate authorities trusted beside the system's (an internal CA's environments). */
  HEALTH_TLS_CA_FILE: z.string().min(1).optional(),
  /** Break-glass sessions one person may open per UTC day. */
  BREAK_GLASS_DAILY_CAP: z.coerce.number().int().min(1).max(100).default(3),
  /** The longest a break-glass session may last, in minutes: 15 at most, whatever is configured. */
  BREAK_GLASS_MAX_MINUTES: z.coerce.number().int().min(1).max(15).default(15),
  ...pmReportSettingsShape,
});

export type OperationsSettings = z.output<typeof operationsSettingsSchema>;

/** Reads the settings from an environment, naming every variable that is wrong in one error. */
export function operationsSettings(env: Record<string, string | undefined>): OperationsSettings {
  const parsed = operationsSettingsSchema.safeParse(env);
  if (!parsed.success) {
    throw new Error(
      `operations settings refused: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
    );
  }
  return parsed.data;
}
