import { randomUUID } from 'node:crypto';
import { testEnv } from '@ecp/test-kit/env';
import { TEST_LEDGER_ORIGIN, TEST_LEDGER_SIGNING_KEY, TEST_TOKEN_SECRET } from '@ecp/test-kit/http';
import { testSubgraphConfig } from '@ecp/test-kit/subgraph';
import type { LedgerConfig } from '../src/env';

/** The ledger's configuration in tests: the test database, fixed secrets and the test log key. */
export function testLedgerConfig(databaseUrl: string, overrides: Partial<LedgerConfig> = {}): LedgerConfig {
  return {
    ...testSubgraphConfig(databaseUrl),
    LOG_LEVEL: 'silent',
    LOG_FORMAT: 'json',
    ECP_TOKEN_SECRET: TEST_TOKEN_SECRET,
    ACCESS_TOKEN_MAX_TTL_SECONDS: 3600,
    LEDGER_ORIGIN: TEST_LEDGER_ORIGIN,
    LEDGER_SIGNING_KEY: TEST_LEDGER_SIGNING_KEY,
    LEDGER_VERIFIER_KEYS: [],
    LEDGER_MAX_ENTRY_BYTES: 4096,
    LEDGER_BATCH_MAX: 1000,
    CHECKPOINT_INTERVAL_MS: 200,
    CHECKPOINT_EVERY_ENTRIES: 50,
    NODE_ENV: 'test',
    LEDGER_FIREWALL: 'enforce',
    LEDGER_HOLD_TTL_SECONDS: 86_400,
    LEDGER_POLICY_CACHE_MS: 0,
    PERSON_SESSION_TTL_MS: 12 * 3600_000,
    PERSON_SESSION_IDLE_MS: 3600_000,
    PERSON_SETUP_TOKEN_TTL_MS: 72 * 3600_000,
    QUEUE_PREFIX: `ecp:test:${randomUUID()}:jobs`,
    REDIS_URL: testEnv.redisUrl,
    EVENT_STREAM_PREFIX: `ecp:test:${randomUUID()}:`,
    EVENT_STREAM_MAX_LENGTH: 1000,
    ...overrides,
  };
}
