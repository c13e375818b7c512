/**
 * One worker process of the events benchmark: either the workers' host running the bench consumer
 * (MODE=host), or the baseline (MODE=loop): a plain loop that reads the stream through a consumer group
 * and applies the same effect, with the same processed-event record, in one transaction per batch read,
 * no BullMQ. Prints `ready`, runs until SIGTERM.
 */
import { createLogger } from '@ecp/logging/logger';
import { defaultSubgraphUrls, subgraphUrlsOf } from '@ecp/service-kit/service-directory';
import { WorkHost } from '@ecp/workers/bench/work-host';
import { Redis } from 'ioredis';
import pg from 'pg';
import { Registry } from 'prom-client';
import { benchWork, EFFECT_SQL } from './bench-work';

const env = process.env;
const need = (name: string): string => {
  const v = env[name];
  if (!v) throw new Error(`${name} is required`);
  return v;
};
const consumer = need('CONSUMER');
const logger = createLogger({ service: 'bench-worker', level: 'warn' });

if (env.MODE === 'loop') {
  const redis = new Redis(need('REDIS_URL'));
  const stream = need('STREAM');
  const db = new pg.Client({ connectionString: need('DATABASE_URL') });
  await db.connect();
  await redis.xgroup('CREATE', stream, consumer, '0', 'MKSTREAM').catch(() => {});
  let stopped = false;
  process.on('SIGTERM', () => {
    stopped = true;
  });
  process.stdout.write('ready\n');
  while (!stopped) {
    const reply = (await redis.call(
      'XREADGROUP',
      'GROUP',
      consumer,
      'loop',
      'COUNT',
      500,
      'BLOCK',
      500,
      'STREAMS',
      stream,
      '>',
    )) as [string, [string, string[]][]][] | null;
    const entries = reply?.[0]?.[1] ?? [];
    if (entries.length) {
      // One transaction per batch read, as the workers' jobs do: record the ids, apply the new ones.
      const events = entries.map(([, fields]) => JSON.parse(fields[1] ?? '{}'));
      await db.query('begin');
      const fresh = new Set(
        (
          await db.query<{ event_id: string }>(
            'insert into advisory.processed_event (consumer, event_id) select $1, unnest($2::uuid[]) on conflict do nothing returning event_id',
            [consumer, events.map((e) => e.id)],
          )
        ).rows.map((r) => r.event_id),
      );
      for (const event of events) {
        if (fresh.delete(event.id)) {
          await db.query(EFFECT_SQL, [
            event.id,
            event.key.id,
            Number(event.attributes.seq),
            event.occurredAt,
          ]);
        }
      }
      await db.query('commit');
    }
    if (entries.length) await redis.xack(stream, consumer, ...entries.map(([id]) => id));
  }
  await db.end();
  redis.disconnect();
  process.exit(0);
} else {
  const redis = new Redis(need('REDIS_URL'), { maxRetriesPerRequest: null });
  const registry = new Registry();
  const host = new WorkHost({
    works: [benchWork(consumer)],
    databaseUrl: need('DATABASE_URL'),
    redis,
    queuePrefix: need('QUEUE_PREFIX'),
    streamPrefix: need('STREAM_PREFIX'),
    logger,
    registry,
    // The bench's consumer calls no subgraph.
    serviceCalls: { identitySecret: 'bench', urls: subgraphUrlsOf(defaultSubgraphUrls()), registry, logger },
    partitions: Number(env.PARTITIONS ?? 8),
    jobEvents: Number(env.JOB_EVENTS ?? 100),
    dbPoolMax: Number(env.DB_POOL ?? 10),
  });
  await host.start();
  process.stdout.write('ready\n');
  process.on('SIGTERM', () => {
    void host.stop().then(() => {
      redis.disconnect();
      process.exit(0);
    });
  });
}
