import type { EventEnvelope } from '@ecp/events/event';
import type { Outbox } from '@ecp/events/outbox';
import type { Topic } from '@ecp/events/topic';
import type { Logger } from '@ecp/logging/logger';
import type { ServiceDirectory } from '@ecp/service-kit/service-directory';
import type { EntityManager, MikroORM, Options } from '@mikro-orm/postgresql';
import type { z } from 'zod';

/** How often a failing job is tried, and how long it waits between tries (doubling, for exponential). */
export interface RetryPolicy {
  attempts: number;
  backoff: { type: 'exponential' | 'fixed'; delayMs: number };
}

/** How many finished jobs Redis keeps, and for how long: enough to look at, never without bound. */
export interface Retention {
  completed: { ageSeconds: number; count: number };
  failed: { ageSeconds: number; count: number };
}

export const DEFAULT_RETRY: RetryPolicy = { attempts: 8, backoff: { type: 'exponential', delayMs: 1_000 } };

export const DEFAULT_RETENTION: Retention = {
  completed: { ageSeconds: 24 * 3600, count: 10_000 },
  // Failed jobs wait for an operator (bull-board, `ecp events retry`): kept a week.
  failed: { ageSeconds: 7 * 24 * 3600, count: 100_000 },
};

/**
 * Puts a job on a queue of the workers (checked against its schema first; an id makes it idempotent,
 * a delay makes it a timer). A job enqueued inside a transaction may run before that transaction
 * commits: its processor must find what it needs or fail to be retried, never act on a guess.
 */
export interface JobEnqueuer {
  enqueue<S extends z.ZodType>(
    definition: JobDefinition<S>,
    data: z.input<S>,
    options?: { delayMs?: number; jobId?: string },
  ): Promise<unknown>;
}

/** What a job's processor is given: the owning subgraph's database, outbox and a logger for this job. */
export interface JobContext {
  /** The owning subgraph's ORM (its schema, its database role): fork an EntityManager per job. */
  orm: MikroORM;
  /** The subgraph's outbox, when it publishes topics, for events written in the job's transaction. */
  outbox: Outbox | undefined;
  /** Clients of the subgraphs, calling as the owning subgraph's service identity. */
  services: ServiceDirectory;
  /** The workers' queues, for the jobs and timers this job causes. */
  jobs: JobEnqueuer;
  logger: Logger;
  job: { id: string; queue: string; attempt: number };
}

/**
 * A job a subgraph runs outside requests: its queue, the schema of its data (checked when it is
 * enqueued and again when it runs: data that fails it fails the job at once, without retries), what
 * it does, how it is retried and kept, and optionally a schedule. Delayed jobs are the platform's
 * timers (a poll closing at its time, a session expiring).
 */
export interface JobDefinition<S extends z.ZodType = z.ZodType> {
  /** The queue's name: `<subgraph>.<job>` in lower case, e.g. `advisory.close-poll`. */
  queue: string;
  data: S;
  process(data: z.output<S>, context: JobContext): Promise<unknown>;
  retry?: RetryPolicy;
  retention?: Retention;
  /** Jobs of this queue one worker process runs at once. */
  concurrency?: number;
  /** A schedule, upserted by the workers at start: every `everyMs` milliseconds, or a cron pattern. */
  scheduler?: { id: string; everyMs?: number; cron?: string; data: z.input<S> };
}

export function defineJob<S extends z.ZodType>(definition: JobDefinition<S>): JobDefinition<S> {
  return definition;
}

/** What a consumer's handler is given: the transaction that also records the event as applied. */
export interface ConsumerContext {
  /** An EntityManager inside the transaction; everything written through it commits with the event's id. */
  em: EntityManager;
  /** The owning subgraph's outbox, for events the effect causes (written in the same transaction). */
  outbox: Outbox | undefined;
  /** Clients of the subgraphs, calling as the owning subgraph's service identity. */
  services: ServiceDirectory;
  /** The workers' queues, for the jobs and timers the effect causes (they may run before it commits). */
  jobs: JobEnqueuer;
  logger: Logger;
  /**
   * Every event the job applies in this transaction, in order, this one among them (the same array
   * for each): a handler may fetch what all of them need at once, the first time it is called.
   */
  batch: readonly EventEnvelope[];
}

/**
 * A durable subscriber to one or more topics that turns each event into an effect in the owning
 * subgraph's schema, exactly once: the effect and the event's id commit in one transaction, so a
 * redelivered or retried event finds itself applied and does nothing. It survives restarts (a Redis
 * consumer group keeps its position) and several worker processes share its work. Events with the
 * same partition key are applied in stream order.
 */
export interface ConsumerDefinition {
  /** `<subgraph>.<purpose>` in lower case, e.g. `learning.lessons`. Its position is kept under this name. */
  name: string;
  topics: readonly Topic[];
  /** Events with equal keys are applied in order; by default the entity's key. */
  partitionKey?: (event: EventEnvelope) => string;
  handle(event: EventEnvelope, context: ConsumerContext): Promise<void>;
  retry?: RetryPolicy;
  retention?: Retention;
  /** Where a consumer that has never run starts: every retained event (default), or only new ones. */
  startFrom?: 'beginning' | 'now';
}

export function defineConsumer(definition: ConsumerDefinition): ConsumerDefinition {
  return definition;
}

/** Everything a subgraph gives the workers to host: exported by its `jobs.ts`. */
export interface SubgraphWork {
  subgraph: string;
  /** The PostgreSQL schema its jobs and consumers write, with its `processed_event` table. */
  dbSchema: string;
  entities: NonNullable<Options['entities']>;
  /** The database role the subgraph works as; its jobs work as it too. */
  sessionRole?: string;
  /** The topics it publishes, so that jobs and effects may write events in their transactions. */
  topics?: readonly Topic[];
  jobs: readonly JobDefinition[];
  consumers: readonly ConsumerDefinition[];
}

const NAME = /^[a-z][a-z0-9-]*(\.[a-z][a-z0-9-]*)+$/;

/** The problems of a subgraph's work as declared; the workers refuse to start on any. */
export function workProblems(works: readonly SubgraphWork[]): string[] {
  const problems: string[] = [];
  const seen = new Set<string>();
  for (const work of works) {
    for (const name of [...work.jobs.map((j) => j.queue), ...work.consumers.map((c) => c.name)]) {
      if (!NAME.test(name))
        problems.push(`${work.subgraph}: "${name}" is not a <subgraph>.<name> in lower case`);
      if (seen.has(name)) problems.push(`${work.subgraph}: "${name}" is declared twice`);
      seen.add(name);
    }
    for (const consumer of work.consumers) {
      if (consumer.topics.length === 0) problems.push(`${consumer.name}: consumes no topic`);
    }
    for (const job of work.jobs) {
      if (job.scheduler && (job.scheduler.everyMs === undefined) === (job.scheduler.cron === undefined)) {
        problems.push(`${job.queue}: a scheduler needs exactly one of everyMs and cron`);
      }
    }
  }
  return problems;
}
