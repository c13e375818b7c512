import { join, resolve } from 'node:path';
import { parseEnv } from '@ecp/config/env';
import { logLevel, millis, port, positiveInt, postgresUrl, redisUrl, secret } from '@ecp/config/schemas';
import type { PlatformPorts } from '@ecp/platform/layout';
import { REPO_ROOT } from '@ecp/platform/repo';
import { z } from 'zod';

/** The servers ECP runs work from `/`, so a relative directory is taken from where `ecp` was started. */
const absolute = (dir: string) => resolve(dir);

export const cliEnvSchema = z.object({
  /** Use this database. When unset, ECP looks for a local PostgreSQL, then starts an embedded one. */
  DATABASE_URL: postgresUrl.optional(),
  /** Where a local PostgreSQL is looked for when DATABASE_URL is unset (trust or password in the URL). */
  ECP_LOCAL_POSTGRES_URL: postgresUrl.default('postgres://postgres@127.0.0.1:5432/ecp'),
  ECP_EMBEDDED_POSTGRES_PORT: port(54329),
  /** Use this Redis. When unset, ECP looks for a local Redis, then runs `redis-server` itself. */
  REDIS_URL: redisUrl.unwrap().optional(),
  /** Where a local Redis is looked for when REDIS_URL is unset. */
  ECP_LOCAL_REDIS_URL: redisUrl,
  /** Port of the Redis ECP runs itself (loopback only). */
  ECP_EMBEDDED_REDIS_PORT: port(63799),
  /** Where ECP keeps local state: generated secrets, the embedded database, the data of the Redis it runs. */
  ECP_HOME: z.string().default(join(REPO_ROOT, '.ecp')).transform(absolute),
  /**
   * As root: where the embedded PostgreSQL's data and a copy of its binaries go when its `postgres` user
   * cannot enter ECP_HOME or node_modules (a checkout in /root or in `mktemp -d`).
   */
  ECP_SYSTEM_DIR: z.string().default('/var/lib/ecp').transform(absolute),
  /** Where `redis-server` is looked for. */
  PATH: z.string().default(''),
  HOST: z.string().default('127.0.0.1'),
  GATEWAY_PORT: port(4000),
  LEDGER_PORT: port(4001),
  ADVISORY_PORT: port(4002),
  LEARNING_CONSORTIUM_PORT: port(4003),
  OPERATIONS_PORT: port(4004),
  WORKERS_PORT: port(4005),
  ECP_IDENTITY_SECRET: secret('ECP_IDENTITY_SECRET').optional(),
  ECP_TOKEN_SECRET: secret('ECP_TOKEN_SECRET').optional(),
  /** The ledger's checkpoint signing key (PRIVATE+KEY+…); generated into ECP_HOME when unset. */
  LEDGER_SIGNING_KEY: z.string().startsWith('PRIVATE+KEY+').optional(),
  LEDGER_ORIGIN: z.string().min(1).default('ecp.local/ledger'),
  LOG_LEVEL: logLevel,
  /** pretty: one readable line per event; json: the services' structured lines as they are. */
  LOG_FORMAT: z.enum(['json', 'pretty']).optional(),
  START_TIMEOUT_MS: millis(90_000),
  /** Where `ecp ledger …` finds the platform, and the API key it uses. */
  ECP_GATEWAY_URL: z.string().url().default('http://127.0.0.1:4000'),
  ECP_API_KEY: z.string().optional(),
  /** `ecp protect-branch`: a GitHub token allowed to administer the repository (never printed). */
  GITHUB_TOKEN: z.string().min(1).optional(),
  /** The GitHub REST API: api.github.com, or a GitHub Enterprise server's `https://<host>/api/v3`. */
  GITHUB_API_URL: z.string().url().default('https://api.github.com'),
  SHUTDOWN_DEADLINE_MS: millis(10_000),
  /** A crashed process is restarted after this delay, doubled for each further crash in the window… */
  RESTART_DELAY_MS: millis(500),
  /** …up to this. */
  RESTART_MAX_DELAY_MS: millis(10_000),
  /** This many crashes of one process within RESTART_WINDOW_MS and ECP stops everything (exit 1). */
  RESTART_MAX_CRASHES: positiveInt(5),
  RESTART_WINDOW_MS: millis(60_000),
});

export type CliConfig = z.output<typeof cliEnvSchema>;

export function loadCliConfig(): CliConfig {
  return parseEnv('ecp', cliEnvSchema);
}

/** The environment children inherit: the caller's, so PATH, proxies and locale pass through. */
export function inheritedEnv(): NodeJS.ProcessEnv {
  return { ...process.env };
}

export function portsFrom(config: CliConfig): PlatformPorts {
  return {
    gateway: config.GATEWAY_PORT,
    ledger: config.LEDGER_PORT,
    advisory: config.ADVISORY_PORT,
    learningConsortium: config.LEARNING_CONSORTIUM_PORT,
    operations: config.OPERATIONS_PORT,
    workers: config.WORKERS_PORT,
  };
}
