import { port, postgresUrl, secret, serviceCommon } from '@ecp/config/schemas';
import { z } from 'zod';

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
});

export interface SubgraphConfig {
  HOST: string;
  PORT: number;
  DATABASE_URL: string;
  DB_POOL_MAX: number;
  ECP_IDENTITY_SECRET: string;
  ECP_IDENTITY_SECRET_PREVIOUS?: string | undefined;
  MAX_BODY_BYTES: number;
  LOG_LEVEL: string;
  SHUTDOWN_DEADLINE_MS: number;
}

export function identitySecrets(
  config: Pick<SubgraphConfig, 'ECP_IDENTITY_SECRET' | 'ECP_IDENTITY_SECRET_PREVIOUS'>,
) {
  return config.ECP_IDENTITY_SECRET_PREVIOUS
    ? [config.ECP_IDENTITY_SECRET, config.ECP_IDENTITY_SECRET_PREVIOUS]
    : [config.ECP_IDENTITY_SECRET];
}
