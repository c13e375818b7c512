import { loadEnvOrExit } from '@ecp/config/env';
import { millis, port, positiveInt, postgresUrl, redisUrl, secret, serviceCommon } from '@ecp/config/schemas';
import { DEFAULT_STREAM_PREFIX } from '@ecp/events/event';
import { DEFAULT_QUEUE_PREFIX } from '@ecp/jobs/job-options';
import { subgraphUrlShape } from '@ecp/service-kit/service-directory';
import { z } from 'zod';

export const workersEnvSchema = z.object({
  ...serviceCommon,
  HOST: z.string().default('127.0.0.1'),
  /** Port of the workers' endpoints: /healthz, /readyz, /metrics and the queues' admin pages. */
  PORT: port(4005),
  /** Queues, consumer positions and schedules; must be a `noeviction` Redis. */
  REDIS_URL: redisUrl,
  /** The subgraphs' database: each job and consumer writes its own subgraph's schema, as its role. */
  DATABASE_URL: postgresUrl,
  DB_POOL_MAX: z.coerce.number().int().min(1).max(200).default(10),
  QUEUE_PREFIX: z.string().min(1).default(DEFAULT_QUEUE_PREFIX),
  EVENT_STREAM_PREFIX: z.string().min(1).default(DEFAULT_STREAM_PREFIX),
  /** Queues per consumer; events of one key always go to the same one and apply in order. */
  CONSUMER_PARTITIONS: z.coerce.number().int().min(1).max(256).default(8),
  /** Most events of a partition one consumer job carries; their effects apply in one transaction. */
  CONSUMER_JOB_EVENTS: z.coerce.number().int().min(1).max(1000).default(100),
  /** A job whose worker stops renewing its lock for this long has stalled and runs again. */
  JOB_LOCK_MS: millis(30_000),
  JOB_STALLED_INTERVAL_MS: millis(30_000),
  /**
   * The subgraphs, which jobs call as the workers' service identity; the ledger also says who holds an
   * API key (the queues' admin pages are for ADMIN only).
   */
  ...subgraphUrlShape,
  ECP_IDENTITY_SECRET: secret('ECP_IDENTITY_SECRET'),
  ECP_TOKEN_SECRET: secret('ECP_TOKEN_SECRET'),
  ECP_TOKEN_SECRET_PREVIOUS: secret('ECP_TOKEN_SECRET_PREVIOUS').optional(),
  AUTH_CACHE_TTL_MS: millis(30_000),
  AUTH_TIMEOUT_MS: positiveInt(5_000),
});

export type WorkersConfig = z.output<typeof workersEnvSchema>;

export function loadWorkersConfig(): WorkersConfig {
  return loadEnvOrExit('workers', workersEnvSchema);
}
