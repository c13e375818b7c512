import { servicePrincipal } from '@ecp/identity/principal';
import { defineJob, type JobContext } from '@ecp/jobs/job-definition';
import { z } from 'zod';
import type { OperationsServiceDeps } from '../../context';
import { type OperationsRuntime, processSettings, runtimeOf } from '../../runtime';
import { PmReportService } from './pm-report.service';
import { checkReportHeartbeat } from './pm-report-heartbeat';
import { periodAt } from './pm-report-period';

/** A job's report service, working as this subgraph's service identity. */
export function reportServiceOf(context: JobContext, runtime: OperationsRuntime): PmReportService {
  if (!context.outbox) throw new Error('the operations jobs need their outbox');
  const deps: OperationsServiceDeps = {
    em: context.orm.em.fork(),
    principal: servicePrincipal('operations'),
    requestId: context.job.id,
    logger: context.logger,
    outbox: context.outbox,
    services: context.services,
    runtime,
  };
  return new PmReportService(deps);
}

/** Makes the report of the period ending at the schedule's latest time (once per period). */
export async function runPmReport(context: JobContext, runtime: OperationsRuntime) {
  const { report, created } = await reportServiceOf(context, runtime).make(
    periodAt(runtime.now(), runtime.settings.PM_REPORT_CRON),
  );
  return { reportId: report.id, periodEnd: report.periodEnd.toISOString(), created };
}

/** Looks for a missing report and fires or resolves 'pm-report-missing'. */
export async function runPmReportHeartbeat(context: JobContext, runtime: OperationsRuntime) {
  const newest = await reportServiceOf(context, runtime).newestPeriodEnd();
  const em = context.orm.em.fork();
  const verdict = await em.transactional((tx) =>
    checkReportHeartbeat(
      { tx, outbox: context.outbox!, runtime },
      newest,
      runtime.settings.PM_REPORT_GRACE_MS,
    ),
  );
  return { missing: verdict.missing, newestPeriodEnd: verdict.newestPeriodEnd?.toISOString() ?? null };
}

/** The 4-hourly project-manager report (PM_REPORT_CRON, UTC). */
export const PM_REPORT_JOB = defineJob({
  queue: 'operations.pm-report',
  data: z.object({}),
  process: (_data, context) => runPmReport(context, runtimeOf(context)),
  scheduler: { id: 'operations.pm-report', cron: processSettings().PM_REPORT_CRON, data: {} },
});

/** Every 15 minutes: is the newest report older than its period and the grace? */
export const PM_REPORT_HEARTBEAT_JOB = defineJob({
  queue: 'operations.pm-report-heartbeat',
  data: z.object({}),
  process: (_data, context) => runPmReportHeartbeat(context, runtimeOf(context)),
  scheduler: { id: 'operations.pm-report-heartbeat', everyMs: 15 * 60_000, data: {} },
});
