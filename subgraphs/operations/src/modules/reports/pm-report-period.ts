import { CronExpressionParser } from 'cron-parser';
import type { ReportPeriod } from './pm-report-sources';

/** Every report covers the 4 hours before its time. */
export const PM_REPORT_PERIOD_MS = 4 * 3600_000;

/**
 * The period a report made at `now` covers: it ends at the schedule's latest time at or before `now`
 * (UTC), so a job run late, or run again, covers the same period as the one on time.
 */
export function periodAt(now: Date, cron: string): ReportPeriod {
  const end = CronExpressionParser.parse(cron, { currentDate: new Date(now.getTime() + 1), tz: 'UTC' })
    .prev()
    .toDate();
  return { start: new Date(end.getTime() - PM_REPORT_PERIOD_MS), end };
}

/** The period of a report asked for now: the 4 hours up to this minute. */
export function periodEndingNow(now: Date): ReportPeriod {
  const end = new Date(Math.floor(now.getTime() / 60_000) * 60_000);
  return { start: new Date(end.getTime() - PM_REPORT_PERIOD_MS), end };
}
