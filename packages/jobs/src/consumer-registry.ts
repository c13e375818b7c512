import { BadUserInputError, NotFoundError } from '@ecp/errors/errors';
import { compareStreamIds, STREAM_ID } from '@ecp/events/event';
import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { consumerQueueName } from './job-options';

/** What the workers publish about each consumer they host, for `ecp events` and the operators. */
export interface ConsumerDescriptor {
  name: string;
  subgraph: string;
  topics: string[];
  /** The Redis Streams it reads, one per topic, in the order of `topics`. */
  streams: string[];
  partitions: number;
}

export interface ConsumerStatus extends ConsumerDescriptor {
  epoch: number;
  /** Per stream: the last event handed to the consumer's queues, and how many are not yet. */
  positions: {
    stream: string;
    lastDeliveredId: string | null;
    /** Events in the stream after that position; null when Redis cannot tell (after a replay). */
    undelivered: number | null;
    /** How long the oldest undelivered event has waited, in ms (0 when none). */
    behindMs: number;
    /**
     * The stream was trimmed past this position (EVENT_STREAM_MAX_LENGTH) before the consumer read what
     * was there: those events are gone for it, and so are their effects.
     */
    trimmedUnread: boolean;
  }[];
  jobs: { waiting: number; active: number; delayed: number; failed: number; completed: number };
}

const keys = (prefix: string) => ({
  registry: `${prefix}:consumers`,
  epoch: (name: string) => `${prefix}:consumer:${name}:epoch`,
  leader: (name: string) => `${prefix}:consumer:${name}:leader`,
});

export const consumerKeys = keys;

export async function registerConsumer(
  redis: Redis,
  prefix: string,
  descriptor: ConsumerDescriptor,
): Promise<void> {
  await redis.hset(keys(prefix).registry, descriptor.name, JSON.stringify(descriptor));
}

export async function listConsumers(redis: Redis, prefix: string): Promise<ConsumerDescriptor[]> {
  const all = await redis.hgetall(keys(prefix).registry);
  return Object.values(all)
    .map((v) => JSON.parse(v) as ConsumerDescriptor)
    .sort((a, b) => a.name.localeCompare(b.name));
}

async function descriptorOf(redis: Redis, prefix: string, name: string): Promise<ConsumerDescriptor> {
  const raw = await redis.hget(keys(prefix).registry, name);
  if (!raw) {
    const known = (await listConsumers(redis, prefix)).map((c) => c.name);
    throw new NotFoundError(
      `No consumer named ${name}${known.length ? ` (known: ${known.join(', ')})` : ' (the workers have registered none yet)'}.`,
    );
  }
  return JSON.parse(raw) as ConsumerDescriptor;
}

/** The consumer's replay epoch: part of its job ids, so that a replay queues events again. */
export async function consumerEpoch(redis: Redis, prefix: string, name: string): Promise<number> {
  return Number((await redis.get(keys(prefix).epoch(name))) ?? 0);
}

function partitionQueues(redis: Redis, prefix: string, d: ConsumerDescriptor): Queue[] {
  return Array.from(
    { length: d.partitions },
    (_, p) => new Queue(consumerQueueName(d.name, p), { connection: redis, prefix }),
  );
}

export async function consumerStatus(redis: Redis, prefix: string, name: string): Promise<ConsumerStatus> {
  const descriptor = await descriptorOf(redis, prefix, name);
  const positions: ConsumerStatus['positions'] = [];
  for (const stream of descriptor.streams) {
    const groups = (await redis.xinfo('GROUPS', stream).catch(() => [])) as unknown[][];
    const group = groups.map(pairs).find((g) => g.name === name);
    const lastDeliveredId = group ? String(group['last-delivered-id']) : null;
    let undelivered: number | null = group ? (group.lag === null ? null : Number(group.lag)) : null;
    let behindMs = 0;
    const next = (
      await redis.xrange(stream, lastDeliveredId ? `(${lastDeliveredId}` : '-', '+', 'COUNT', 1)
    )[0];
    if (next) behindMs = Math.max(0, Date.now() - Number(next[0].split('-')[0]));
    if (!group) undelivered = await redis.xlen(stream);
    if (!next) undelivered = 0;
    // Trimming takes from the head: if the oldest entry left is past the position and fewer entries are
    // left than the group has not read, the difference was trimmed away unread.
    const info = pairs(((await redis.xinfo('STREAM', stream).catch(() => [])) as unknown[]) ?? []);
    const first = Array.isArray(info['first-entry']) ? String(info['first-entry'][0]) : null;
    const entriesRead = group?.['entries-read'];
    const trimmedUnread =
      lastDeliveredId !== null &&
      first !== null &&
      entriesRead !== null &&
      entriesRead !== undefined &&
      compareStreamIds(first, lastDeliveredId === '0' ? '0-0' : lastDeliveredId) > 0 &&
      Number(info['entries-added']) - Number(entriesRead) > Number(info.length);
    // Redis counts the trimmed ones as lag too; what is left to read is what the stream still holds.
    if (trimmedUnread) undelivered = Number(info.length);
    positions.push({ stream, lastDeliveredId, undelivered, behindMs, trimmedUnread });
  }
  const jobs = { waiting: 0, active: 0, delayed: 0, failed: 0, completed: 0 };
  for (const queue of partitionQueues(redis, prefix, descriptor)) {
    const counts = await queue.getJobCounts(
      'waiting',
      'active',
      'delayed',
      'failed',
      'completed',
      'prioritized',
    );
    jobs.waiting += (counts.waiting ?? 0) + (counts.prioritized ?? 0);
    jobs.active += counts.active ?? 0;
    jobs.delayed += counts.delayed ?? 0;
    jobs.failed += counts.failed ?? 0;
    jobs.completed += counts.completed ?? 0;
    await queue.close();
  }
  return { ...descriptor, epoch: await consumerEpoch(redis, prefix, name), positions, jobs };
}

/**
 * Replays a consumer from a stream id (inclusive; `0` for the whole retained stream): its group's
 * position on every stream it reads moves to just before that id, and its epoch moves on, so the
 * events are queued again. Effects already in the owner's schema are not applied twice.
 */
export async function replayConsumer(
  redis: Redis,
  prefix: string,
  name: string,
  from: string,
): Promise<{ epoch: number; streams: string[] }> {
  if (from !== '0' && !STREAM_ID.test(from)) {
    throw new BadUserInputError(
      `"${from}" is not a stream id: expected <ms>-<seq> (e.g. 1764547200000-0) or 0.`,
    );
  }
  const descriptor = await descriptorOf(redis, prefix, name);
  const before = from === '0' ? '0' : previousStreamId(from);
  const epoch = await redis.incr(keys(prefix).epoch(name));
  for (const stream of descriptor.streams) {
    await redis.xgroup('CREATE', stream, name, before, 'MKSTREAM').catch(async (err: Error) => {
      if (!/BUSYGROUP/.test(err.message)) throw err;
      await redis.xgroup('SETID', stream, name, before);
    });
  }
  return { epoch, streams: descriptor.streams };
}

/** Puts every failed job of a consumer back in its queue; returns how many. */
export async function retryFailedEvents(redis: Redis, prefix: string, name: string): Promise<number> {
  const descriptor = await descriptorOf(redis, prefix, name);
  let retried = 0;
  for (const queue of partitionQueues(redis, prefix, descriptor)) {
    retried += await queue.getFailedCount();
    await queue.retryJobs({ state: 'failed', count: 1000 });
    await queue.close();
  }
  return retried;
}

/** The stream id just before `id`, so that a position set to it makes `id` the next event read. */
export function previousStreamId(id: string): string {
  const [ms, seq] = id.split('-').map(BigInt) as [bigint, bigint];
  if (seq > 0n) return `${ms}-${seq - 1n}`;
  if (ms === 0n) return '0';
  return `${ms - 1n}-18446744073709551615`;
}

function pairs(flat: unknown[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (let i = 0; i + 1 < flat.length; i += 2) out[String(flat[i])] = flat[i + 1];
  return out;
}
