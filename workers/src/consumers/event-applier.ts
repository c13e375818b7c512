import type { EventEnvelope } from '@ecp/events/event';
import type { Outbox } from '@ecp/events/outbox';
import type { ConsumerDefinition, JobEnqueuer } from '@ecp/jobs/job-definition';
import type { Logger } from '@ecp/logging/logger';
import type { ServiceDirectory } from '@ecp/service-kit/service-directory';
import { withTraceparent } from '@ecp/telemetry/trace-context';
import type { EntityManager, MikroORM } from '@mikro-orm/postgresql';
import { type Job, UnrecoverableError } from 'bullmq';
import type { WorkMetrics } from '../host/work-metrics';
import type { EventJobData } from './stream-reader';

export interface EventApplierOptions {
  consumer: ConsumerDefinition;
  /** The owning subgraph's schema, with its `processed_event` table. */
  dbSchema: string;
  orm: MikroORM;
  outbox: Outbox | undefined;
  services: ServiceDirectory;
  jobs: JobEnqueuer;
  logger: Logger;
  metrics: WorkMetrics;
}

export interface ApplyOutcome {
  applied: number;
  duplicates: number;
}

/** Some events of a job could not be applied; the others were. Retried, it applies only what is missing. */
export class EventsFailedError extends Error {
  override readonly name = 'EventsFailedError';
  constructor(
    readonly failed: readonly { eventId: string; error: Error }[],
    total: number,
  ) {
    super(
      `${failed.length} of ${total} events not applied: ${failed
        .map((f) => `${f.eventId}: ${f.error.message}`)
        .join('; ')
        .slice(0, 2000)}`,
    );
  }
}

/**
 * The processor of a consumer's jobs. A job whose entry the reader refused (not JSON, not the
 * topic's schema) fails at once, without retries, and is counted. Otherwise, in one transaction in the
 * owner's schema, the job's events not yet recorded in `processed_event` are recorded and their effects
 * applied, in stream order — so an event whose record exists (redelivery, a retry after a commit whose
 * completion was lost, a replay) is never applied twice. If that transaction fails, each event is tried
 * in a transaction of its own: the others commit, and the job fails naming the ones that did not, to be
 * retried (with backoff) for those alone.
 */
export function eventApplier(
  options: EventApplierOptions,
): (job: Job<EventJobData>) => Promise<ApplyOutcome> {
  const { consumer, dbSchema, orm, metrics } = options;
  const record = `insert into "${dbSchema}".processed_event (consumer, event_id) select ?, unnest(?::uuid[]) on conflict do nothing returning event_id`;

  // Event ids passed the envelope's schema (lower-case UUIDs), so their array literal needs no quoting.
  const apply = (events: readonly EventEnvelope[], jobId: string): Promise<EventEnvelope[]> =>
    orm.em.fork().transactional(async (em: EntityManager) => {
      const rows = (await em
        .getConnection()
        .execute(
          record,
          [consumer.name, `{${events.map((e) => e.id).join(',')}}`],
          'all',
          em.getTransactionContext(),
        )) as {
        event_id: string;
      }[];
      // A job may carry one event twice (the relay publishes at least once, and both copies can be
      // read together): each recorded id is applied once, at its first copy.
      const fresh = new Set(rows.map((r) => r.event_id));
      const applied = events.filter((e) => fresh.delete(e.id));
      for (const event of applied) {
        // Each effect joins the trace of the request that caused its event.
        await withTraceparent(
          event.trace,
          `consume ${consumer.name}`,
          {
            'ecp.consumer': consumer.name,
            'ecp.event.id': event.id,
            'ecp.event.topic': event.topic,
            'ecp.job.id': jobId,
          },
          () =>
            consumer.handle(event, {
              em,
              outbox: options.outbox,
              services: options.services,
              jobs: options.jobs,
              batch: applied,
              logger: options.logger.child({
                consumer: consumer.name,
                eventId: event.id,
                topic: event.topic,
              }),
            }),
        );
      }
      return applied;
    });

  const counted = (events: readonly EventEnvelope[], applied: readonly EventEnvelope[]): ApplyOutcome => {
    const now = Date.now();
    for (const event of applied) {
      metrics.consumerLag.observe(
        { consumer: consumer.name },
        Math.max(0, now - Date.parse(event.occurredAt)) / 1000,
      );
    }
    metrics.consumerApplied.inc({ consumer: consumer.name }, applied.length);
    metrics.consumerDuplicates.inc({ consumer: consumer.name }, events.length - applied.length);
    return { applied: applied.length, duplicates: events.length - applied.length };
  };

  return async (job) => {
    // The reader checked every entry against its topic's schema; a refused one travels alone, with why.
    const refused = job.data.events.find((carried) => carried.refused !== undefined)?.refused;
    if (refused !== undefined) throw new UnrecoverableError(refused);
    const events = job.data.events.map((carried) => carried.event as EventEnvelope);
    const jobId = String(job.id ?? '');
    try {
      return counted(events, await apply(events, jobId));
    } catch (err) {
      if (events.length === 1) throw err;
      // One event's effect failed the whole transaction: apply each alone, so the others are not held up.
      const applied: EventEnvelope[] = [];
      const failed: { eventId: string; error: Error }[] = [];
      for (const event of events) {
        try {
          applied.push(...(await apply([event], jobId)));
        } catch (error) {
          failed.push({ eventId: event.id, error: error as Error });
        }
      }
      counted(events, applied);
      if (failed.length > 0) throw new EventsFailedError(failed, events.length);
      return { applied: applied.length, duplicates: events.length - applied.length };
    }
  };
}
