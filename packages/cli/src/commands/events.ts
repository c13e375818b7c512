import {
  type ConsumerStatus,
  consumerStatus,
  listConsumers,
  replayConsumer,
  retryFailedEvents,
} from '@ecp/jobs/consumer-registry';
import { DEFAULT_QUEUE_PREFIX } from '@ecp/jobs/job-options';
import { Redis } from 'ioredis';
import type { CliConfig } from '../env';

export interface EventsOptions {
  redis?: string;
  queuePrefix?: string;
  json?: boolean;
}

async function withRedis<T>(
  config: CliConfig,
  options: EventsOptions,
  fn: (redis: Redis, prefix: string) => Promise<T>,
): Promise<T> {
  const url = options.redis ?? config.REDIS_URL ?? config.ECP_LOCAL_REDIS_URL;
  const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1, retryStrategy: () => null });
  redis.on('error', () => {});
  try {
    await redis.connect().catch((err: Error) => {
      throw new Error(`no Redis answers at ${url} (${err.message}): set REDIS_URL or pass --redis`);
    });
    return await fn(redis, options.queuePrefix ?? DEFAULT_QUEUE_PREFIX);
  } finally {
    redis.disconnect();
  }
}

const seconds = (ms: number) => (ms < 1000 ? `${ms} ms` : `${(ms / 1000).toFixed(1)} s`);

/** `ecp events`: every consumer the workers host, where it is in its streams, and what it has left. */
export async function listEvents(config: CliConfig, options: EventsOptions): Promise<void> {
  const statuses = await withRedis(config, options, async (redis, prefix) => {
    const out: ConsumerStatus[] = [];
    for (const c of await listConsumers(redis, prefix)) out.push(await consumerStatus(redis, prefix, c.name));
    return out;
  });
  if (options.json) {
    process.stdout.write(`${JSON.stringify(statuses, null, 2)}\n`);
    return;
  }
  if (statuses.length === 0) {
    process.stdout.write('No consumers yet: the workers register theirs when they start.\n');
    return;
  }
  const rows = [
    ['consumer', 'topic', 'position', 'unread', 'behind', 'queued', 'running', 'retrying', 'failed'],
  ];
  for (const s of statuses) {
    s.positions.forEach((p, i) => {
      rows.push([
        i === 0 ? s.name : '',
        s.topics[i] ?? p.stream,
        p.lastDeliveredId ?? '(not started)',
        p.undelivered === null ? '?' : String(p.undelivered),
        seconds(p.behindMs),
        i === 0 ? String(s.jobs.waiting) : '',
        i === 0 ? String(s.jobs.active) : '',
        i === 0 ? String(s.jobs.delayed) : '',
        i === 0 ? String(s.jobs.failed) : '',
      ]);
    });
  }
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
  for (const row of rows)
    process.stdout.write(
      `${row
        .map((v, c) => v.padEnd(widths[c]!))
        .join('  ')
        .trimEnd()}\n`,
    );
  for (const s of statuses) {
    for (const [i, p] of s.positions.entries()) {
      if (p.trimmedUnread) {
        process.stdout.write(
          `\n${s.name}: ${s.topics[i] ?? p.stream} was trimmed past its position (${p.lastDeliveredId}) before it read those events; their effects are missing — raise EVENT_STREAM_MAX_LENGTH, and see docs/runbooks/consumer-behind-or-failing.md.\n`,
        );
      }
    }
  }
  const failed = statuses.filter((s) => s.jobs.failed > 0);
  if (failed.length) {
    process.stdout.write(
      `\n${failed.map((s) => s.name).join(', ')}: failed events wait for you — see /admin/queues on the workers, then \`ecp events retry <consumer>\`.\n`,
    );
  }
}

/** `ecp events replay <consumer> --from <id>`: hands the consumer its streams again from that id. */
export async function replayEvents(
  config: CliConfig,
  consumer: string,
  options: EventsOptions & { from: string },
): Promise<void> {
  const { epoch, streams } = await withRedis(config, options, (redis, prefix) =>
    replayConsumer(redis, prefix, consumer, options.from),
  );
  process.stdout.write(
    `${consumer} replays ${streams.join(', ')} from ${options.from} (epoch ${epoch}); effects it already has are not applied again.\n`,
  );
}

/** `ecp events retry <consumer>`: puts the consumer's failed events back in its queues. */
export async function retryEvents(
  config: CliConfig,
  consumer: string,
  options: EventsOptions,
): Promise<void> {
  const retried = await withRedis(config, options, (redis, prefix) =>
    retryFailedEvents(redis, prefix, consumer),
  );
  process.stdout.write(`${retried} failed event${retried === 1 ? '' : 's'} of ${consumer} queued again.\n`);
}
