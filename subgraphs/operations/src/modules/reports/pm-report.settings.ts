import { DEFAULT_QUEUE_PREFIX } from '@ecp/jobs/job-options';
import { z } from 'zod';

/**
 * The report's and the queue watch's: when reports are made, how late one may be before it is missed,
 * and the workers' Redis whose queues are watched (the same URL and prefix as the workers').
 */
export const pmReportSettingsShape = {
  /** Cron pattern of the report: each covers the 4 hours before its time. */
  PM_REPORT_CRON: z.string().min(1).default('0 */4 * * *'),
  /** How long past its 4 hours the newest report may be before 'pm-report-missing' fires. */
  PM_REPORT_GRACE_MS: z.coerce
    .number()
    .int()
    .min(0)
    .default(30 * 60_000),
  QUEUE_WATCH_INTERVAL_MS: z.coerce.number().int().min(1000).default(60_000),
  /** Jobs waiting (and delayed ones due) in one queue beyond which 'queue-backing-up' fires. */
  QUEUE_BACKLOG_THRESHOLD: z.coerce.number().int().min(1).default(1000),
  REDIS_URL: z
    .string()
    .refine((u) => /^rediss?:\/\//.test(u), 'must be a redis:// or rediss:// URL')
    .default('redis://127.0.0.1:6379'),
  QUEUE_PREFIX: z.string().min(1).default(DEFAULT_QUEUE_PREFIX),
};
