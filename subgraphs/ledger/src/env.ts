import { loadEnvOrExit } from '@ecp/config/env';
import { secret } from '@ecp/config/schemas';
import { DEFAULT_QUEUE_PREFIX } from '@ecp/jobs/job-options';
import { subgraphEnvShape } from '@ecp/service-kit/subgraph-env';
import { z } from 'zod';

export const ledgerEnvSchema = z
  .object({
    ...subgraphEnvShape(4001),
    /** Signs the short-lived access tokens agents may mint; the gateway verifies them with the same secret. */
    ECP_TOKEN_SECRET: secret('ECP_TOKEN_SECRET'),
    ACCESS_TOKEN_MAX_TTL_SECONDS: z.coerce.number().int().positive().default(3600),
    /** The log's identity: the first line of every checkpoint. */
    LEDGER_ORIGIN: z
      .string()
      .min(1)
      .regex(/^[^\s+]+$/, 'no spaces or "+"')
      .default('ecp.local/ledger'),
    /** The checkpoint signing key, as a signed-note signer key: PRIVATE+KEY+<name>+<key id>+<key>. */
    LEDGER_SIGNING_KEY: z
      .string()
      .startsWith('PRIVATE+KEY+', 'must be a signed-note signer key (PRIVATE+KEY+…)'),
    /** Further verifier keys accepted for older checkpoints (comma-separated), so the signing key can rotate. */
    LEDGER_VERIFIER_KEYS: z
      .string()
      .default('')
      .transform((s) =>
        s
          .split(/[,\n]/)
          .map((k) => k.trim())
          .filter(Boolean),
      ),
    /** Largest canonical entry accepted, in bytes. */
    LEDGER_MAX_ENTRY_BYTES: z.coerce.number().int().positive().default(65_536),
    /** Most entries appended in one transaction. */
    LEDGER_BATCH_MAX: z.coerce.number().int().min(1).max(10_000).default(1000),
    /** A checkpoint is published at least this often while the tree grows… */
    CHECKPOINT_INTERVAL_MS: z.coerce.number().int().min(50).default(1000),
    /** …and whenever this many entries were appended since the last one. */
    CHECKPOINT_EVERY_ENTRIES: z.coerce.number().int().min(1).default(10_000),
    /** `production` forbids switching the Liability Firewall off. */
    NODE_ENV: z.string().default('development'),
    /**
     * The Liability Firewall: `enforce` (the default) holds decisions for approval by the jurisdiction's
     * policy; `off` commits every decision at once, for the benchmark's ungated baseline only.
     */
    LEDGER_FIREWALL: z.enum(['enforce', 'off']).default('enforce'),
    /** How long a held decision waits for its approvals before the system rejects it (default 24 h). */
    LEDGER_HOLD_TTL_SECONDS: z.coerce.number().int().min(1).default(86_400),
    /** The workers' queues (Redis at REDIS_URL), where held decisions' expiry timers go. */
    QUEUE_PREFIX: z.string().min(1).default(DEFAULT_QUEUE_PREFIX),
    /** A person's sign-in session ends this long after sign-in at the latest (default 12 h)… */
    PERSON_SESSION_TTL_MS: z.coerce
      .number()
      .int()
      .min(60_000)
      .default(12 * 3600_000),
    /** …or after this long unused (default 1 h; an open dashboard uses it every auth-cache period). */
    PERSON_SESSION_IDLE_MS: z.coerce.number().int().min(60_000).default(3600_000),
    /** How long the one-time token a new person sets their password with works (default 72 h). */
    PERSON_SETUP_TOKEN_TTL_MS: z.coerce
      .number()
      .int()
      .min(60_000)
      .default(72 * 3600_000),
    /** How long a jurisdiction's firewall policy is reused before it is asked again. */
    LEDGER_POLICY_CACHE_MS: z.coerce.number().int().min(0).default(5_000),
  })
  .superRefine((env, ctx) => {
    if (env.LEDGER_FIREWALL === 'off' && env.NODE_ENV === 'production') {
      ctx.addIssue({
        code: 'custom',
        path: ['LEDGER_FIREWALL'],
        message: 'the Liability Firewall cannot be switched off in production',
      });
    }
  });

export type LedgerConfig = z.output<typeof ledgerEnvSchema>;

export function loadLedgerConfig(): LedgerConfig {
  return loadEnvOrExit('ledger', ledgerEnvSchema);
}
