import type { JobsOptions } from 'bullmq';
import { DEFAULT_RETENTION, DEFAULT_RETRY, type Retention, type RetryPolicy } from './job-definition';

/** BullMQ's options for a job of a definition with this retry policy and retention. */
export function jobsOptions(
  retry: RetryPolicy = DEFAULT_RETRY,
  retention: Retention = DEFAULT_RETENTION,
): JobsOptions {
  return {
    attempts: retry.attempts,
    backoff: { type: retry.backoff.type, delay: retry.backoff.delayMs },
    removeOnComplete: { age: retention.completed.ageSeconds, count: retention.completed.count },
    removeOnFail: { age: retention.failed.ageSeconds, count: retention.failed.count },
  };
}

/** The prefix of every BullMQ key, unless configured (tests and side-by-side installations use their own). */
export const DEFAULT_QUEUE_PREFIX = 'ecp:jobs';

/** BullMQ queue names cannot hold ':'; ours are dotted. */
export function consumerQueueName(consumer: string, partition: number): string {
  return `consumer.${consumer}.p${partition}`;
}

/**
 * The job id of an event for a consumer. Two deliveries of one event make the same id, and BullMQ
 * adds no job whose id it already holds, so a redelivered event is not queued twice. The epoch
 * changes when an operator replays the consumer, so replayed events are queued again (and still
 * applied at most once, by the processed-events table).
 */
export function consumerJobId(consumer: string, epoch: number, eventId: string): string {
  return `${consumer}.e${epoch}.${eventId}`;
}
