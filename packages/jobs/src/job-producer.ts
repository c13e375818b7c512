import { BadUserInputError } from '@ecp/errors/errors';
import { type Job, Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type { z } from 'zod';
import type { JobDefinition } from './job-definition';
import { jobsOptions } from './job-options';

/**
 * How a subgraph (or a test) puts work on a queue: data is checked against the job's schema first,
 * so a job that could never run is refused where it was asked for, with the paths that are wrong.
 * A delay makes the job a timer; an id makes enqueuing idempotent (the same id is never queued twice).
 */
export class JobProducer {
  private readonly queues = new Map<string, Queue>();

  constructor(
    private readonly connection: Redis,
    private readonly prefix: string,
  ) {}

  async enqueue<S extends z.ZodType>(
    definition: JobDefinition<S>,
    data: z.input<S>,
    options: { delayMs?: number; jobId?: string } = {},
  ): Promise<Job> {
    const parsed = definition.data.safeParse(data);
    if (!parsed.success) {
      throw new BadUserInputError(
        `job data for ${definition.queue} refused: ${parsed.error.issues
          .map((i) => `${i.path.join('.') || '/'} ${i.message}`)
          .join('; ')}`,
      );
    }
    return this.queue(definition.queue).add(definition.queue, parsed.data, {
      ...jobsOptions(definition.retry, definition.retention),
      delay: options.delayMs,
      jobId: options.jobId,
    });
  }

  /** The queue of a job definition, to look at or change its jobs (tests drive timers with `changeDelay(0)`). */
  queue(name: string): Queue {
    let queue = this.queues.get(name);
    if (!queue) {
      queue = new Queue(name, { connection: this.connection, prefix: this.prefix });
      this.queues.set(name, queue);
    }
    return queue;
  }

  async close(): Promise<void> {
    await Promise.all([...this.queues.values()].map((q) => q.close()));
  }
}
