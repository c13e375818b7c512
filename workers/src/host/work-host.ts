import { type MikroORM, openOrm } from '@ecp/db/orm';
import { streamKey } from '@ecp/events/event';
import { Outbox } from '@ecp/events/outbox';
import { type ConsumerDescriptor, consumerStatus, registerConsumer } from '@ecp/jobs/consumer-registry';
import { type JobDefinition, type SubgraphWork, workProblems } from '@ecp/jobs/job-definition';
import { consumerQueueName, jobsOptions } from '@ecp/jobs/job-options';
import { JobProducer } from '@ecp/jobs/job-producer';
import type { Logger } from '@ecp/logging/logger';
import {
  createServiceDirectory,
  type ServiceDirectory,
  type ServiceDirectoryOptions,
} from '@ecp/service-kit/service-directory';
import { type Job, Queue, UnrecoverableError, type Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Registry } from 'prom-client';
import { EventsFailedError, eventApplier } from '../consumers/event-applier';
import { type EventJobData, StreamReader } from '../consumers/stream-reader';
import { createWorkMetrics, type WorkMetrics } from './work-metrics';
import { createWorker, type WorkerSettings } from './worker-factory';

export interface WorkHostOptions {
  works: readonly SubgraphWork[];
  databaseUrl: string;
  /** Redis for queues and positions (maxRetriesPerRequest: null); readers get connections of their own. */
  redis: Redis;
  queuePrefix: string;
  streamPrefix: string;
  logger: Logger;
  registry: Registry;
  /**
   * How jobs and effects call the subgraphs: each subgraph's work calls as that subgraph's service
   * identity (`service:advisory`), as it writes that subgraph's schema as its role.
   */
  serviceCalls: Omit<ServiceDirectoryOptions, 'service'>;
  /** Queues per consumer: events of one key go to one of them, applied one at a time in order. */
  partitions?: number;
  lockDurationMs?: number;
  stalledIntervalMs?: number;
  readerLeaseMs?: number;
  readerBatchSize?: number;
  /** Most events one consumer job carries; their effects apply in one transaction. */
  jobEvents?: number;
  dbPoolMax?: number;
}

interface Hosted {
  work: SubgraphWork;
  orm: MikroORM;
  outbox: Outbox | undefined;
  services: ServiceDirectory;
}

/**
 * Hosts what the subgraphs declare: a queue and a worker for every job (its scheduler upserted),
 * and for every consumer a stream reader and partition queues whose workers apply its events
 * exactly once in the owner's schema. Everything is made from one factory and closed by `stop()`:
 * readers first (nothing more is queued), then workers (jobs in flight finish), then queues and
 * databases.
 */
export class WorkHost {
  readonly metrics: WorkMetrics;
  private readonly hosted: Hosted[] = [];
  private readonly queues: Queue[] = [];
  private readonly workers: Worker[] = [];
  private readonly readers: { start(): void; stop(): Promise<void> }[] = [];
  private readonly descriptors: ConsumerDescriptor[] = [];
  /** What jobs and effects enqueue further jobs with (timers they set, work they cause). */
  private readonly producer: JobProducer;

  constructor(private readonly options: WorkHostOptions) {
    this.metrics = createWorkMetrics(options.registry, () => this.pending());
    this.producer = new JobProducer(options.redis, options.queuePrefix);
  }

  /** Every queue hosted here (for bull-board and tests). */
  get allQueues(): readonly Queue[] {
    return this.queues;
  }

  get consumers(): readonly ConsumerDescriptor[] {
    return this.descriptors;
  }

  async start(): Promise<void> {
    const { options } = this;
    const problems = workProblems(options.works);
    if (problems.length > 0)
      throw new Error(`the declared jobs and consumers are wrong: ${problems.join('; ')}`);
    const settings: WorkerSettings = {
      connection: options.redis,
      prefix: options.queuePrefix,
      logger: options.logger,
      metrics: this.metrics,
      lockDurationMs: options.lockDurationMs ?? 30_000,
      stalledIntervalMs: options.stalledIntervalMs ?? 30_000,
    };
    for (const work of options.works) {
      if (work.jobs.length === 0 && work.consumers.length === 0) continue;
      const orm = await openOrm({
        databaseUrl: options.databaseUrl,
        schema: work.dbSchema,
        entities: work.entities,
        logger: options.logger,
        poolMax: options.dbPoolMax ?? 10,
        sessionRole: work.sessionRole,
      });
      const outbox = work.topics?.length
        ? new Outbox({ schema: work.dbSchema, topics: work.topics })
        : undefined;
      const services = createServiceDirectory({ ...options.serviceCalls, service: work.subgraph });
      const hosted = { work, orm, outbox, services };
      this.hosted.push(hosted);
      for (const job of work.jobs) await this.hostJob(hosted, job, settings);
      for (const consumer of work.consumers) await this.hostConsumer(hosted, consumer, settings);
    }
    for (const worker of this.workers)
      void worker.run().catch((err) => options.logger.error({ err }, 'worker stopped'));
    for (const reader of this.readers) reader.start();
  }

  async stop(): Promise<void> {
    await Promise.all(this.readers.map((r) => r.stop()));
    await Promise.all(this.workers.map((w) => w.close()));
    await Promise.all(this.queues.map((q) => q.close()));
    await this.producer.close();
    await Promise.all(this.hosted.map((h) => h.services.close()));
    await Promise.all(this.hosted.map((h) => h.orm.close()));
  }

  private async hostJob(hosted: Hosted, job: JobDefinition, settings: WorkerSettings): Promise<void> {
    const queue = new Queue(job.queue, { connection: this.options.redis, prefix: this.options.queuePrefix });
    this.queues.push(queue);
    const logger = this.options.logger.child({ queue: job.queue });
    this.workers.push(
      createWorker(
        job.queue,
        async (bullJob: Job) => {
          const parsed = job.data.safeParse(bullJob.data);
          if (!parsed.success) {
            throw new UnrecoverableError(
              `job data refused: ${parsed.error.issues.map((i) => `${i.path.join('.') || '/'} ${i.message}`).join('; ')}`,
            );
          }
          return job.process(parsed.data, {
            orm: hosted.orm,
            outbox: hosted.outbox,
            services: hosted.services,
            jobs: this.producer,
            logger: logger.child({ jobId: bullJob.id }),
            job: { id: String(bullJob.id), queue: job.queue, attempt: bullJob.attemptsMade + 1 },
          });
        },
        job.concurrency ?? 1,
        settings,
      ),
    );
    if (job.scheduler) {
      const { id, everyMs, cron, data } = job.scheduler;
      // Idempotent: every start (and every replica) upserts the same scheduler.
      await queue.upsertJobScheduler(id, everyMs !== undefined ? { every: everyMs } : { pattern: cron }, {
        name: job.queue,
        data,
        opts: jobsOptions(job.retry, job.retention),
      });
    }
  }

  private async hostConsumer(
    hosted: Hosted,
    consumer: SubgraphWork['consumers'][number],
    settings: WorkerSettings,
  ): Promise<void> {
    const { options } = this;
    const partitions = options.partitions ?? 8;
    const queues: Queue[] = [];
    const apply = eventApplier({
      consumer,
      dbSchema: hosted.work.dbSchema,
      orm: hosted.orm,
      outbox: hosted.outbox,
      services: hosted.services,
      jobs: this.producer,
      logger: options.logger,
      metrics: this.metrics,
    });
    for (let p = 0; p < partitions; p++) {
      const name = consumerQueueName(consumer.name, p);
      const queue = new Queue(name, { connection: options.redis, prefix: options.queuePrefix });
      // One job of a partition at a time across every worker process: a key's events apply in order.
      await queue.setGlobalConcurrency(1);
      queues.push(queue);
      this.queues.push(queue);
      this.workers.push(
        createWorker(name, apply, 1, settings, (job, err) =>
          this.metrics.consumerFailed.inc(
            { consumer: consumer.name },
            err instanceof EventsFailedError ? err.failed.length : (job.data as EventJobData).events.length,
          ),
        ),
      );
    }
    const streams = consumer.topics.map((t) => streamKey(options.streamPrefix, t.name));
    const descriptor: ConsumerDescriptor = {
      name: consumer.name,
      subgraph: hosted.work.subgraph,
      topics: consumer.topics.map((t) => t.name),
      streams,
      partitions,
    };
    await registerConsumer(options.redis, options.queuePrefix, descriptor);
    this.descriptors.push(descriptor);
    const readerConnection = options.redis.duplicate();
    readerConnection.on('error', (err) => options.logger.warn({ err }, 'consumer reader connection error'));
    const reader = new StreamReader({
      redis: readerConnection,
      queuePrefix: options.queuePrefix,
      consumer,
      streams,
      queues,
      logger: options.logger.child({ consumer: consumer.name }),
      metrics: this.metrics,
      leaseMs: options.readerLeaseMs,
      batchSize: options.readerBatchSize,
      jobEvents: options.jobEvents,
    });
    this.readers.push({
      start: () => reader.start(),
      stop: async () => {
        await reader.stop();
        readerConnection.disconnect();
      },
    });
  }

  /** Events each consumer has yet to apply: not yet read from its streams, plus queued. */
  async pending(): Promise<Map<string, number>> {
    const out = new Map<string, number>();
    for (const d of this.descriptors) {
      const status = await consumerStatus(this.options.redis, this.options.queuePrefix, d.name);
      const unread = status.positions.reduce((n, p) => n + (p.undelivered ?? 0), 0);
      out.set(d.name, unread + status.jobs.waiting + status.jobs.active + status.jobs.delayed);
    }
    return out;
  }
}
