import type { Logger } from '@ecp/logging/logger';
import { type Job, type Processor, Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import type { WorkMetrics } from './work-metrics';

export interface WorkerSettings {
  connection: Redis;
  prefix: string;
  logger: Logger;
  metrics: WorkMetrics;
  /** How long a job's lock lasts unless renewed; a worker that stops renewing it has stalled. */
  lockDurationMs: number;
  /** How often stalled jobs are looked for (and put back to run again). */
  stalledIntervalMs: number;
}

/**
 * Every BullMQ worker of the workers process is made here, the same way: explicit concurrency, and
 * listeners on `error` (a worker that loses Redis keeps trying, and says so), `failed` (counted, final
 * when no attempt is left) and `stalled` (its process died or blocked: the job runs again).
 */
export function createWorker<D, R>(
  queue: string,
  processor: Processor<D, R>,
  concurrency: number,
  settings: WorkerSettings,
  onFinalFailure?: (job: Job<D, R>, err: Error) => void,
): Worker<D, R> {
  const { logger, metrics } = settings;
  const worker = new Worker<D, R>(
    queue,
    async (job, token) => {
      const end = metrics.jobDuration.startTimer({ queue });
      try {
        return await processor(job, token);
      } finally {
        end();
      }
    },
    {
      connection: settings.connection,
      prefix: settings.prefix,
      concurrency,
      lockDuration: settings.lockDurationMs,
      stalledInterval: settings.stalledIntervalMs,
      autorun: false,
    },
  );
  worker.on('error', (err) => logger.error({ err, queue }, 'worker error'));
  worker.on('completed', () => metrics.jobsCompleted.inc({ queue }));
  worker.on('stalled', (jobId) => {
    metrics.jobsStalled.inc({ queue });
    logger.warn({ queue, jobId }, 'job stalled: it runs again');
  });
  worker.on('failed', (job, err) => {
    if (!job) return;
    const final = err.name === 'UnrecoverableError' || job.attemptsMade >= (job.opts.attempts ?? 1);
    metrics.jobsFailed.inc({ queue, final: String(final) });
    const log = { err, queue, jobId: job.id, attempt: job.attemptsMade };
    if (final) {
      logger.error(log, 'job failed for good: it waits for an operator to retry it');
      onFinalFailure?.(job, err);
    } else {
      logger.warn(log, 'job failed: it will be retried');
    }
  });
  return worker;
}
