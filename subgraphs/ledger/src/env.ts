import { loadEnvOrExit } from '@ecp/config/env';
import { secret } from '@ecp/config/schemas';
import { subgraphEnvShape } from '@ecp/service-kit/subgraph-env';
import { z } from 'zod';

export const ledgerEnvSchema = z.object({
  ...subgraphEnvShape(4001),
  /** Signs the short-lived access tokens agents may mint; the gateway verifies them with the same secret. */
  ECP_TOKEN_SECRET: secret('ECP_TOKEN_SECRET'),
  ACCESS_TOKEN_MAX_TTL_SECONDS: z.coerce.number().int().positive().default(3600),
});

export type LedgerConfig = z.output<typeof ledgerEnvSchema>;

export function loadLedgerConfig(): LedgerConfig {
  return loadEnvOrExit('ledger', ledgerEnvSchema);
}
