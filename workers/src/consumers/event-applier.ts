import type { EventEnvelope } from '@ecp/events/event';
import type { Outbox } from '@ecp/events/outbox';
import type { ConsumerDefinition } from '@ecp/jobs/job-definition';
import type { Logger } from '@ecp/logging/logger';
import { withTraceparent } from '@ecp/telemetry/trace-context';
import type { MikroORM } from '@mikro-orm/postgresql';
import { type Job, UnrecoverableError } from 'bullmq';
import type { WorkMetrics } from '../host/work-metrics';
import type { EventJobData } from './stream-reader';

export interface EventApplierOptions {
  consumer: ConsumerDefinition;
  /** The owning subgraph's schema, with its `processed_event` table. */
  dbSchema: string;
  orm: MikroORM;
  outbox: Outbox | undefined;
  logger: Logger;
  metrics: WorkMetrics;
}

export type ApplyOutcome = 'applied' | 'duplicate';

/**
 * The processor of a consumer's jobs: checks the event against its topic's schema (an invalid event
 * fails at once, without retries, and is counted), then, in one transaction in the owner's schema,
 * records the event as processed and applies the consumer's effect. A second delivery of the same
 * event — redelivery, retry after a commit whose acknowledgement was lost, replay — finds the record
 * and does nothing, so an effect exists exactly once.
 */
export function eventApplier(
  options: EventApplierOptions,
): (job: Job<EventJobData>) => Promise<ApplyOutcome> {
  const { consumer, dbSchema, orm, outbox, metrics } = options;
  const topics = new Map(consumer.topics.map((t) => [t.name, t]));
  const insert = `insert into "${dbSchema}".processed_event (consumer, event_id) values (?, ?) on conflict do nothing returning event_id`;
  return async (job) => {
    const event = job.data.event;
    if (typeof event !== 'object' || event === null) {
      throw new UnrecoverableError(
        `stream entry ${job.data.streamId} of ${job.data.stream} is not a JSON event`,
      );
    }
    const topic = topics.get(event.topic);
    if (!topic) {
      throw new UnrecoverableError(
        `event ${event.id} is on topic ${event.topic}, which ${consumer.name} does not consume`,
      );
    }
    const problems = topic.problems(event as EventEnvelope);
    if (problems.length > 0) {
      throw new UnrecoverableError(
        `event ${job.data.streamId} refused by ${topic.name}'s schema: ${problems.map((p) => `${p.path} ${p.reason}`).join('; ')}`,
      );
    }
    // The effect joins the trace of the request that caused the event (its outbox wrote the traceparent).
    const outcome = await withTraceparent(
      event.trace,
      `consume ${consumer.name}`,
      {
        'ecp.consumer': consumer.name,
        'ecp.event.id': event.id,
        'ecp.event.topic': event.topic,
        'ecp.job.id': job.id ?? '',
      },
      () => {
        const logger = options.logger.child({
          consumer: consumer.name,
          eventId: event.id,
          topic: event.topic,
        });
        return orm.em.fork().transactional(async (em) => {
          const rows = (await em
            .getConnection()
            .execute(insert, [consumer.name, event.id], 'all', em.getTransactionContext())) as unknown[];
          if (rows.length === 0) return 'duplicate' as const;
          await consumer.handle(event, { em, outbox, logger });
          return 'applied' as const;
        });
      },
    );
    if (outcome === 'duplicate') {
      metrics.consumerDuplicates.inc({ consumer: consumer.name });
    } else {
      metrics.consumerApplied.inc({ consumer: consumer.name });
      metrics.consumerLag.observe(
        { consumer: consumer.name },
        Math.max(0, Date.now() - Date.parse(event.occurredAt)) / 1000,
      );
    }
    return outcome;
  };
}
