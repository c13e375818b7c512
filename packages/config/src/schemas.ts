import { z } from 'zod';
import { telemetryEnvShape } from './telemetry-env';

/** A TCP port; 0 asks the operating system for a free one. */
export const port = (fallback: number) => z.coerce.number().int().min(0).max(65535).default(fallback);

export const logLevel = z
  .enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])
  .default('info');

export const logFormat = z.enum(['json', 'pretty']).default('json');

export const postgresUrl = z
  .string()
  .url()
  .refine((u) => /^postgres(ql)?:\/\//.test(u), 'must be a postgres:// or postgresql:// URL');

export const redisUrl = z
  .string()
  .url()
  .refine((u) => /^rediss?:\/\//.test(u), 'must be a redis:// or rediss:// URL')
  .default('redis://127.0.0.1:6379');

/** Shared secret for HMAC-signed identities; short secrets are refused. */
export const secret = (what: string) => z.string().min(32, `${what} must be at least 32 characters`);

/** Milliseconds, given as an integer. */
export const millis = (fallback: number) => z.coerce.number().int().min(0).default(fallback);

export const positiveInt = (fallback: number) => z.coerce.number().int().positive().default(fallback);

/** "true"/"false"/"1"/"0" → boolean; zod's coerce.boolean treats "false" as true, so it is spelled out. */
export const flag = (fallback: boolean) =>
  z
    .enum(['true', 'false', '1', '0', 'yes', 'no'])
    .optional()
    .transform((v) => (v === undefined ? fallback : v === 'true' || v === '1' || v === 'yes'));

/** The options every long-running ECP process understands. */
export const serviceCommon = {
  LOG_LEVEL: logLevel,
  LOG_FORMAT: logFormat,
  SHUTDOWN_DEADLINE_MS: millis(10_000),
  ...telemetryEnvShape,
};
