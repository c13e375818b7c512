import { port, postgresUrl, redisUrl, secret, serviceCommon } from '@ecp/config/schemas';
import { DEFAULT_STREAM_PREFIX } from '@ecp/events/event';
import { z } from 'zod';
import { subgraphUrlShape } from './service-directory';

/** The environment every subgraph reads; each subgraph's env.ts extends it with its own options. */
export const subgraphEnvShape = (defaultPort: number) => ({
  ...serviceCommon,
  HOST: z.string().default('127.0.0.1'),
  PORT: port(defaultPort),
  DATABASE_URL: postgresUrl,
  DB_POOL_MAX: z.coerce.number().int().min(1).max(200).default(10),
  ECP_IDENTITY_SECRET: secret('ECP_IDENTITY_SECRET'),
  /** The secret being rotated out: still accepted on incoming requests, never used to sign. */
  ECP_IDENTITY_SECRET_PREVIOUS: secret('ECP_IDENTITY_SECRET_PREVIOUS').optional(),
  MAX_BODY_BYTES: z.coerce.number().int().positive().default(1_048_576),
  /** Where a subgraph that declares topics publishes its events (Redis Streams, fed from its outbox). */
  REDIS_URL: redisUrl,
  EVENT_STREAM_PREFIX: z.string().min(1).default(DEFAULT_STREAM_PREFIX),
  /** Events kept per stream (approximately): how far back subscribers and consumers can go. */
  EVENT_STREAM_MAX_LENGTH: z.coerce.number().int().min(100).default(100_000),
  /** The other subgraphs, for the calls this one makes to them (the service client). */
  ...subgraphUrlShape,
});

/** What every subgraph's configuration holds, whatever it adds. */
export type SubgraphConfig = z.output<z.ZodObject<ReturnType<typeof subgraphEnvShape>>>;

export function identitySecrets(
  config: Pick<SubgraphConfig, 'ECP_IDENTITY_SECRET' | 'ECP_IDENTITY_SECRET_PREVIOUS'>,
) {
  return config.ECP_IDENTITY_SECRET_PREVIOUS
    ? [config.ECP_IDENTITY_SECRET, config.ECP_IDENTITY_SECRET_PREVIOUS]
    : [config.ECP_IDENTITY_SECRET];
}
