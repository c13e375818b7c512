import { defineJob, type JobContext } from '@ecp/jobs/job-definition';
import { z } from 'zod';
import { type OperationsRuntime, processSettings, runtimeOf } from '../../runtime';
import { checkAllEnvironments, pruneHealthHistory } from './health-checks';

/** What one scheduled run did. */
export interface CheckRunSummary {
  checked: number;
  failed: number;
  slow: number;
  pruned: number;
}

/**
 * The scheduled run, on a given runtime (tests give their own clock): checks every environment,
 * then bounds the history.
 */
export async function checkEnvironmentsAndPrune(
  context: Pick<JobContext, 'orm' | 'outbox' | 'logger'>,
  runtime: OperationsRuntime,
): Promise<CheckRunSummary> {
  const { orm, outbox, logger } = context;
  if (!outbox) throw new Error('the health checks publish healthChanged: the operations outbox is missing');
  const em = orm.em.fork();
  const runs = await checkAllEnvironments({ em, outbox, runtime, logger });
  const pruned = await pruneHealthHistory(em, runtime);
  const summary = {
    checked: runs.length,
    failed: runs.filter((r) => !r.ok).length,
    slow: runs.filter((r) => r.slow).length,
    pruned,
  };
  logger.info(summary, 'environments checked');
  return summary;
}

/**
 * Every environment checked every HEALTH_CHECK_INTERVAL_MS (15 minutes by default). One attempt: a
 * run that fails is not retried, the next one comes on schedule.
 */
export const CHECK_ENVIRONMENTS_JOB = defineJob({
  queue: 'operations.check-environments',
  data: z.object({}),
  process: (_data, context) => checkEnvironmentsAndPrune(context, runtimeOf(context)),
  retry: { attempts: 1, backoff: { type: 'fixed', delayMs: 1_000 } },
  concurrency: 1,
  scheduler: {
    id: 'operations.check-environments',
    everyMs: processSettings().HEALTH_CHECK_INTERVAL_MS,
    data: {},
  },
});
