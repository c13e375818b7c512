import { defineJob, type JobContext } from '@ecp/jobs/job-definition';
import { z } from 'zod';
import { type OperationsRuntime, processSettings, runtimeOf } from '../../runtime';
import { queueRedis } from './queue-state';
import { watchQueues } from './queue-watch';

/** One look at the workers' queues, alerting on those backing up or failing. */
export async function runWatchQueues(context: JobContext, runtime: OperationsRuntime) {
  if (!context.outbox) throw new Error('the operations jobs need their outbox');
  const { settings } = runtime;
  const verdicts = await context.orm.em.fork().transactional((tx) =>
    watchQueues(
      { tx, outbox: context.outbox!, runtime },
      {
        redis: queueRedis(settings.REDIS_URL),
        prefix: settings.QUEUE_PREFIX,
        threshold: settings.QUEUE_BACKLOG_THRESHOLD,
      },
    ),
  );
  return {
    queues: verdicts.length,
    firing: verdicts.filter((v) => v.alert === 'FIRING').map((v) => v.queue),
  };
}

/** Every QUEUE_WATCH_INTERVAL_MS (a minute): the queues' backlogs and failures. */
export const WATCH_QUEUES_JOB = defineJob({
  queue: 'operations.watch-queues',
  data: z.object({}),
  process: (_data, context) => runWatchQueues(context, runtimeOf(context)),
  scheduler: {
    id: 'operations.watch-queues',
    everyMs: processSettings().QUEUE_WATCH_INTERVAL_MS,
    data: {},
  },
});
