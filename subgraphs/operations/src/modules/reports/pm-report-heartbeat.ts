import type { AlertWrite } from '../alerts/alert-sink';
import { fireAlert, resolveAlert } from '../alerts/alert-sink';
import { PM_REPORT_PERIOD_MS } from './pm-report-period';

/** What the heartbeat found: the newest report's end, and whether 'pm-report-missing' fires. */
export interface HeartbeatVerdict {
  newestPeriodEnd: Date | null;
  missing: boolean;
}

/**
 * Fires 'pm-report-missing' when the newest report ended more than 4 hours and the grace ago (the
 * next one is late), and resolves it once a report is there again. Before any report was ever made
 * nothing fires: the first one is not due yet.
 */
export async function checkReportHeartbeat(
  w: AlertWrite,
  newestPeriodEnd: Date | null,
  graceMs: number,
): Promise<HeartbeatVerdict> {
  const now = w.runtime.now();
  const lateBy = newestPeriodEnd ? now.getTime() - newestPeriodEnd.getTime() - PM_REPORT_PERIOD_MS : 0;
  const missing = newestPeriodEnd !== null && lateBy > graceMs;
  if (missing) {
    await fireAlert(w, {
      rule: 'pm-report-missing',
      labels: {},
      summary: `No report since the one ending ${newestPeriodEnd.toISOString()} (${Math.round(lateBy / 60_000)} min late)`,
      value: lateBy / 60_000,
    });
  } else {
    await resolveAlert(w, 'pm-report-missing', {});
  }
  return { newestPeriodEnd, missing };
}
