import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { EventEnvelope } from '@ecp/events/event';
import type { Topic } from '@ecp/events/topic';
import { consumerEpoch, consumerKeys } from '@ecp/jobs/consumer-registry';
import type { ConsumerDefinition } from '@ecp/jobs/job-definition';
import { consumerJobId, jobsOptions } from '@ecp/jobs/job-options';
import type { Logger } from '@ecp/logging/logger';
import type { JobsOptions, Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type { WorkMetrics } from '../host/work-metrics';
import { refusal } from './event-check';
import { entityKey, partitionOf } from './partition';

/** One stream entry as a consumer's job carries it: the event, and where it was. */
export interface CarriedEvent {
  streamId: string;
  /** The envelope, or the entry's raw text when it is not JSON. */
  event: EventEnvelope | string;
  /** Why the entry is not one of the consumer's events (its job then fails at once); absent when it is. */
  refused?: string;
}

/**
 * What a consumer's job carries: consecutive events of one partition of one stream, in stream order
 * (at most `batchSize`, as they were read together), or a single event that failed its topic's schema.
 */
export interface EventJobData {
  stream: string;
  events: CarriedEvent[];
}

export interface StreamReaderOptions {
  /** A connection of its own: the reader blocks on it. */
  redis: Redis;
  queuePrefix: string;
  consumer: ConsumerDefinition;
  streams: readonly string[];
  /** The consumer's partition queues, in partition order. */
  queues: readonly Queue[];
  logger: Logger;
  metrics: WorkMetrics;
  batchSize?: number;
  /** Most events one job carries (and its effects apply in one transaction). */
  jobEvents?: number;
  blockMs?: number;
  /** How long leadership lasts unless renewed (renewed every third of it). */
  leaseMs?: number;
}

const RENEW = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('pexpire', KEYS[1], ARGV[2]) else return 0 end`;
const RELEASE = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end`;

/**
 * Hands a consumer's events from its streams to its partition queues. It reads through the consumer's
 * Redis consumer group, so the group keeps its position across restarts; an entry is acknowledged
 * only once its job is queued, so a crash in between leaves it pending, and it is reclaimed
 * (XAUTOCLAIM) by whoever reads next. One process reads for a consumer at a time — the holder of a
 * renewed lease — so the queues receive each key's events in stream order; every process runs the
 * queues' workers. Job ids come from (consumer, epoch, event id): a redelivered entry is not queued twice.
 */
export class StreamReader {
  private readonly me = `reader-${randomUUID()}`;
  private readonly lease: string;
  private leader = false;
  private stopped = false;
  private loop: Promise<void> | undefined;
  private renewTimer: NodeJS.Timeout | undefined;
  /** Whether entries already delivered to this reader may be unacknowledged (after leadership or a failure). */
  private ownPending = true;

  private readonly topics: ReadonlyMap<string, Topic>;

  constructor(private readonly options: StreamReaderOptions) {
    this.topics = new Map(options.consumer.topics.map((t) => [t.name, t]));
    this.lease = consumerKeys(options.queuePrefix).leader(options.consumer.name);
  }

  get isLeader(): boolean {
    return this.leader;
  }

  start(): void {
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.renewTimer);
    await this.loop;
    if (this.leader) await this.options.redis.eval(RELEASE, 1, this.lease, this.me).catch(() => {});
    this.leader = false;
  }

  private get leaseMs(): number {
    return this.options.leaseMs ?? 10_000;
  }

  private async run(): Promise<void> {
    const { logger } = this.options;
    let failures = 0;
    while (!this.stopped) {
      try {
        if (!this.leader && !(await this.lead())) {
          await sleep(Math.min(1_000, this.leaseMs / 3));
          continue;
        }
        await this.step();
        failures = 0;
      } catch (err) {
        if (this.stopped) break;
        failures++;
        this.ownPending = true;
        logger.warn({ err, failures }, 'consumer reader failed; retrying');
        await sleep(Math.min(5_000, 100 * 2 ** Math.min(failures, 6)));
      }
    }
  }

  /** Takes the lease if nobody holds it; on taking it, makes sure the groups exist and reclaims stalled entries. */
  private async lead(): Promise<boolean> {
    const { redis, consumer, streams, logger } = this.options;
    const ok = await redis.set(this.lease, this.me, 'PX', this.leaseMs, 'NX');
    if (ok !== 'OK') return false;
    for (const stream of streams) {
      const start = consumer.startFrom === 'now' ? '$' : '0';
      await redis.xgroup('CREATE', stream, consumer.name, start, 'MKSTREAM').catch((err: Error) => {
        if (!/BUSYGROUP/.test(err.message)) throw err;
      });
    }
    this.leader = true;
    this.ownPending = true;
    this.renewTimer = setInterval(() => void this.renew(), this.leaseMs / 3);
    this.renewTimer.unref();
    logger.info({ consumer: consumer.name }, 'consumer reader leading');
    // Entries a previous reader took and did not acknowledge (it crashed, or lost its lease).
    for (const stream of streams) {
      let cursor = '0-0';
      do {
        const [next, entries] = (await redis.call(
          'XAUTOCLAIM',
          stream,
          consumer.name,
          this.me,
          0,
          cursor,
          'COUNT',
          this.options.batchSize ?? 500,
        )) as [string, [string, string[]][]];
        await this.hand(stream, entries.filter(Boolean));
        cursor = next;
      } while (cursor !== '0-0' && !this.stopped);
    }
    return true;
  }

  private async renew(): Promise<void> {
    try {
      const renewed = await this.options.redis.eval(RENEW, 1, this.lease, this.me, this.leaseMs);
      if (renewed !== 1 && this.leader) {
        this.leader = false;
        clearInterval(this.renewTimer);
        this.options.logger.warn({ consumer: this.options.consumer.name }, 'consumer reader lost its lease');
      }
    } catch (err) {
      this.options.logger.warn({ err }, 'consumer reader could not renew its lease');
    }
  }

  /** Reads one batch (this reader's unacknowledged entries first, then new ones) and queues it. */
  private async step(): Promise<void> {
    const { redis, consumer, streams } = this.options;
    const id = this.ownPending ? '0' : '>';
    const reply = (await redis.call(
      'XREADGROUP',
      'GROUP',
      consumer.name,
      this.me,
      'COUNT',
      this.options.batchSize ?? 500,
      ...(this.ownPending ? [] : ['BLOCK', this.options.blockMs ?? 1_000]),
      'STREAMS',
      ...streams,
      ...streams.map(() => id),
    )) as [string, [string, string[] | null][]][] | null;
    let read = 0;
    for (const [stream, entries] of reply ?? []) {
      const live = entries.filter((e): e is [string, string[]] => e[1] !== null);
      read += live.length;
      // An entry trimmed away while pending comes back without fields: nothing to queue, only to acknowledge.
      const gone = entries.filter((e) => e[1] === null).map((e) => e[0]);
      if (gone.length) await redis.xack(stream, consumer.name, ...gone);
      await this.hand(stream, live);
    }
    if (this.ownPending && read === 0) this.ownPending = false;
  }

  /**
   * Queues the entries' jobs, then acknowledges them. Consecutive valid events of a partition share a
   * job (up to `jobEvents`), whose id is derived from the consumer, the epoch and its first event: the
   * same entries handed again after a crash (XAUTOCLAIM returns them in the same order) make the same
   * jobs, which BullMQ does not add twice. Each entry is checked here, once: one that is not a valid
   * event of the consumer gets a job of its own, carrying the reason, which fails at once.
   */
  private async hand(stream: string, entries: [string, string[]][]): Promise<void> {
    if (entries.length === 0) return;
    const { redis, consumer, queues, queuePrefix, metrics } = this.options;
    const epoch = await consumerEpoch(redis, queuePrefix, consumer.name);
    const options: JobsOptions = jobsOptions(consumer.retry, consumer.retention);
    const perJob = this.options.jobEvents ?? 100;
    const byPartition = new Map<number, { name: string; data: EventJobData; opts: JobsOptions }[]>();
    const add = (partition: number, carried: CarriedEvent, id: string, alone: boolean) => {
      const list = byPartition.get(partition) ?? [];
      const last = list[list.length - 1];
      if (!alone && last && last.name !== 'invalid' && last.data.events.length < perJob) {
        last.data.events.push(carried);
      } else {
        list.push({
          name: alone ? 'invalid' : stream.slice(stream.lastIndexOf(':') + 1),
          data: { stream, events: [carried] },
          opts: { ...options, jobId: consumerJobId(consumer.name, epoch, id).replaceAll(':', '.') },
        });
      }
      byPartition.set(partition, list);
    };
    for (const [streamId, fields] of entries) {
      const raw = fieldValue(fields, 'event') ?? '';
      let event: EventEnvelope | undefined;
      try {
        event = JSON.parse(raw) as EventEnvelope;
      } catch {}
      const refused = refusal(event, { stream, streamId, consumer: consumer.name, topics: this.topics });
      if (!event || refused) {
        add(
          partitionOf(stream, queues.length),
          { streamId, event: event ?? raw, refused },
          `${stream}.${streamId}`,
          true,
        );
        continue;
      }
      add(
        partitionOf((consumer.partitionKey ?? entityKey)(event), queues.length),
        { streamId, event },
        event.id,
        false,
      );
    }
    await Promise.all([...byPartition].map(([p, jobs]) => queues[p]?.addBulk(jobs)));
    await redis.xack(stream, consumer.name, ...entries.map(([id]) => id));
    metrics.consumerEnqueued.inc({ consumer: consumer.name }, entries.length);
  }
}

function fieldValue(fields: string[], name: string): string | undefined {
  for (let i = 0; i + 1 < fields.length; i += 2) if (fields[i] === name) return fields[i + 1];
  return undefined;
}
