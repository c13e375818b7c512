import { openOrm } from '@ecp/db/orm';
import type { Logger } from '@ecp/logging/logger';
import pg from 'pg';
import { SUBGRAPH_SCHEMAS } from './subgraph-schemas';

export interface MigrationProgress {
  schema: string;
  applied: string[];
  pending: number;
}

/**
 * Brings every subgraph schema up to date, each in one transaction (all of its pending migrations or
 * none). Safe to run concurrently from several processes: a PostgreSQL advisory lock serialises them.
 */
export async function migrateAll(
  databaseUrl: string,
  logger: Logger,
  onProgress: (progress: MigrationProgress) => void = () => {},
): Promise<MigrationProgress[]> {
  const lock = new pg.Client({ connectionString: databaseUrl });
  await lock.connect();
  try {
    await lock.query('select pg_advisory_lock(hashtext($1))', ['ecp:migrate']);
    const results: MigrationProgress[] = [];
    for (const { schema, migrations } of SUBGRAPH_SCHEMAS) {
      const orm = await openOrm({ databaseUrl, schema, entities: [], logger, poolMax: 1, migrations });
      try {
        await orm.em.getConnection().execute(`create schema if not exists "${schema}"`);
        const migrator = orm.getMigrator();
        const pending = await migrator.getPendingMigrations();
        const applied = (await migrator.up()).map((m) => m.name);
        const progress = { schema, applied, pending: pending.length - applied.length };
        onProgress(progress);
        results.push(progress);
      } finally {
        await orm.close(true);
      }
    }
    logger.info(
      { applied: Object.fromEntries(results.map((r) => [r.schema, r.applied.length])) },
      'migrations applied',
    );
    return results;
  } finally {
    await lock.query('select pg_advisory_unlock(hashtext($1))', ['ecp:migrate']).catch(() => {});
    await lock.end();
  }
}
