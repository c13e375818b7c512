import { Outbox } from '@ecp/events/outbox';
import { defineJob, type JobContext, type RetryPolicy } from '@ecp/jobs/job-definition';
import { UnrecoverableError } from 'bullmq';
import { z } from 'zod';
import { processSettings, runtimeOf } from '../../runtime';
import type { OperationsSettings } from '../../settings';
import { OPERATIONS_TOPICS } from '../../topics';
import { DeliveryEntity } from './delivery.entity';
import { DeliveryFailedError, type DeliveryWork, runDelivery } from './delivery-run';

/** Tries of a delivery, waiting DELIVERY_BACKOFF_MS, then twice as long each time. */
export function deliveryRetry(settings: OperationsSettings): RetryPolicy {
  return {
    attempts: settings.DELIVERY_ATTEMPTS,
    backoff: { type: 'exponential', delayMs: settings.DELIVERY_BACKOFF_MS },
  };
}

function deliveryWork(context: JobContext): DeliveryWork {
  return {
    orm: context.orm,
    // Failures fire alerts, written with the subgraph's outbox (there is one once it publishes a topic).
    outbox: context.outbox ?? new Outbox({ schema: 'operations', topics: OPERATIONS_TOPICS }),
    runtime: runtimeOf(context),
    logger: context.logger,
  };
}

/**
 * Sends one delivery (a notification to one channel) and records the try. Its data is the delivery's
 * id only: what to send is read from the database, and secrets from the settings. A failed try is
 * retried with exponential backoff; a permanent failure, or the last try, fails the job for good
 * once the delivery is recorded FAILED.
 */
export const DELIVER_JOB = defineJob({
  queue: 'operations.deliver',
  data: z.object({ deliveryId: z.uuid() }),
  async process({ deliveryId }, context) {
    try {
      return await runDelivery(deliveryWork(context), deliveryId, context.job.attempt);
    } catch (err) {
      if (err instanceof DeliveryFailedError) throw new UnrecoverableError(err.message);
      throw err;
    }
  },
  // Read when a delivery is enqueued, from the settings of the process enqueuing it.
  get retry() {
    return deliveryRetry(processSettings());
  },
  concurrency: 4,
});

/** How old a PENDING delivery is before the sweep makes sure it has a job. */
export const REDELIVER_AFTER_MS = 60_000;

/**
 * The safety net behind the delivery jobs: every PENDING delivery older than a minute is enqueued
 * again under its job id, which BullMQ takes only when that job is gone (lost with its Redis, say).
 */
export const REDELIVER_PENDING_JOB = defineJob({
  queue: 'operations.redeliver-pending',
  data: z.object({}),
  async process(_data, context) {
    const runtime = runtimeOf(context);
    const pending = await context.orm.em
      .fork()
      .find(
        DeliveryEntity,
        { status: 'PENDING', createdAt: { $lt: new Date(runtime.now().getTime() - REDELIVER_AFTER_MS) } },
        { fields: ['id'], orderBy: { createdAt: 'asc' }, limit: 1000 },
      );
    for (const { id } of pending) {
      await runtime.jobs.enqueue(DELIVER_JOB, { deliveryId: id }, { jobId: `deliver-${id}` });
    }
    return { pending: pending.length };
  },
  scheduler: { id: 'operations.redeliver-pending', everyMs: 60_000, data: {} },
});
