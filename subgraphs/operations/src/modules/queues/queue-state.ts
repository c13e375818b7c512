import { consumerStatus, listConsumers } from '@ecp/jobs/consumer-registry';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import type { QueueFigures } from '../reports/pm-report-figures';

/** One BullMQ queue's counts, as the watch and the report see them. */
export interface QueueCounts {
  name: string;
  waiting: number;
  active: number;
  delayed: number;
  /** Delayed jobs whose time has come (a worker should have moved them on). */
  delayedDue: number;
  failed: number;
}

/**
 * Every queue under the prefix: BullMQ writes `<prefix>:<queue>:meta` for each queue that has had a
 * job, so the job queues and the consumers' partition queues are all found without a list to keep.
 */
export async function listQueueNames(redis: Redis, prefix: string): Promise<string[]> {
  const names = new Set<string>();
  const head = `${prefix}:`;
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${head}*:meta`, 'COUNT', 1000);
    cursor = next;
    for (const key of keys) names.add(key.slice(head.length, -':meta'.length));
  } while (cursor !== '0');
  return [...names].sort();
}

/** The counts of one queue at `now` (delayed jobs' scores are their due time × 4096, plus a counter). */
export async function queueCounts(
  redis: Redis,
  prefix: string,
  name: string,
  now: Date,
): Promise<QueueCounts> {
  const queue = new Queue(name, { connection: redis, prefix });
  try {
    const c = await queue.getJobCounts('waiting', 'prioritized', 'active', 'delayed', 'failed');
    const delayedDue = await redis.zcount(`${prefix}:${name}:delayed`, 0, now.getTime() * 0x1000 + 0xfff);
    return {
      name,
      waiting: (c.waiting ?? 0) + (c.prioritized ?? 0),
      active: c.active ?? 0,
      delayed: c.delayed ?? 0,
      delayedDue,
      failed: c.failed ?? 0,
    };
  } finally {
    await queue.close();
  }
}

/** Every queue's counts and every registered consumer's unread events and queued work. */
export async function readQueueState(
  redis: Redis,
  prefix: string,
  now: Date,
): Promise<{ queues: QueueCounts[]; consumers: QueueFigures['consumers'] }> {
  const queues: QueueCounts[] = [];
  for (const name of await listQueueNames(redis, prefix))
    queues.push(await queueCounts(redis, prefix, name, now));
  const consumers: QueueFigures['consumers'] = [];
  for (const d of await listConsumers(redis, prefix)) {
    const status = await consumerStatus(redis, prefix, d.name);
    consumers.push({
      name: d.name,
      unread: status.positions.reduce((n, p) => n + (p.undelivered ?? 0), 0),
      pending: status.jobs.waiting + status.jobs.active + status.jobs.delayed,
    });
  }
  return { queues, consumers };
}

const connections = new Map<string, Redis>();

/**
 * The Redis of the workers' queues, opened once per process and URL: jobs are given none, and the
 * report made on request reads the same queues. Fails fast (one try per command) so that a Redis
 * that does not answer makes the report's queue section unavailable instead of holding it.
 */
export function queueRedis(url: string): Redis {
  let redis = connections.get(url);
  if (!redis) {
    redis = new Redis(url, { maxRetriesPerRequest: 1, lazyConnect: true });
    redis.on('error', () => {});
    connections.set(url, redis);
  }
  return redis;
}

/** Closes the connections `queueRedis` opened (process shutdown, tests). */
export async function closeQueueRedis(): Promise<void> {
  for (const r of connections.values()) r.disconnect();
  connections.clear();
}
