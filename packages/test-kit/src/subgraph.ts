import { randomUUID } from 'node:crypto';
import type { BaseContext } from '@apollo/server';
import { createLogger, type Logger } from '@ecp/logging/logger';
import { defaultSubgraphUrls } from '@ecp/service-kit/service-directory';
import type { SubgraphConfig } from '@ecp/service-kit/subgraph-env';
import {
  type BuiltSubgraph,
  buildSubgraph,
  type SubgraphDefinition,
} from '@ecp/service-kit/subgraph-runtime';
import type { EntityManager } from '@mikro-orm/postgresql';
import { createTestDatabase, type TestDatabase } from './database';
import { testEnv } from './env';
import { TEST_IDENTITY_SECRET } from './http';

export interface SubgraphUnderTest {
  db: TestDatabase;
  built: BuiltSubgraph;
  /** The subgraph's GraphQL endpoint. */
  url: string;
  /** The subgraph's origin, for /healthz, /readyz, /metrics and internal routes. */
  origin: string;
  em(): EntityManager;
  stop(): Promise<void>;
}

/** The configuration a subgraph gets in tests: a test database and the test identity secret. */
export function testSubgraphConfig(databaseUrl: string): SubgraphConfig {
  return {
    HOST: '127.0.0.1',
    PORT: 0,
    DATABASE_URL: databaseUrl,
    DB_POOL_MAX: 5,
    ECP_IDENTITY_SECRET: TEST_IDENTITY_SECRET,
    MAX_BODY_BYTES: 1_048_576,
    REDIS_URL: testEnv.redisUrl,
    // Streams of its own per subgraph under test, so test files never see each other's events.
    EVENT_STREAM_PREFIX: `ecp:test:${randomUUID()}:`,
    EVENT_STREAM_MAX_LENGTH: 10_000,
    LOG_LEVEL: 'silent',
    LOG_FORMAT: 'json',
    SHUTDOWN_DEADLINE_MS: 1000,
    // Nowhere a test runs: a test whose subgraph calls another points these at the one it started.
    ...defaultSubgraphUrls(),
  };
}

/**
 * Runs one subgraph in this process on a fresh migrated database, served on a free port: the same
 * assembly as in production, minus the other processes. `stop()` shuts it down as SIGTERM would.
 */
export async function startSubgraph<C extends BaseContext & { logger: Logger }>(
  define: (databaseUrl: string) => SubgraphDefinition<C>,
  config: (databaseUrl: string) => SubgraphConfig = testSubgraphConfig,
): Promise<SubgraphUnderTest> {
  const db = await createTestDatabase();
  const definition = define(db.url);
  const built = await buildSubgraph(
    definition,
    config(db.url),
    createLogger({ service: definition.name, level: testEnv.logLevel }),
  );
  let origin: string;
  try {
    origin = `http://127.0.0.1:${await built.http.listen(0, '127.0.0.1')}`;
  } catch (err) {
    await built.stop();
    await db.drop();
    throw err;
  }
  return {
    db,
    built,
    url: `${origin}/graphql`,
    origin,
    em: () => built.orm.em.fork(),
    async stop() {
      await built.stop();
      await db.drop();
    },
  };
}
