import { redactUrl } from '@ecp/db/database-url';
import { createLogger } from '@ecp/logging/logger';
import { migrateAll } from '@ecp/migrations/migrate';
import type { CliConfig } from '../env';
import { OwnedProcesses } from '../owned-processes';
import { databaseOptions, resolveDatabase } from '../postgres';

/** `ecp migrate`: brings every subgraph schema up to date, printing what it applied. */
export async function migrate(config: CliConfig): Promise<void> {
  const logger = createLogger({ service: 'ecp', level: 'warn' });
  const owned = new OwnedProcesses();
  owned.stopOnSignals();
  const database = await resolveDatabase(databaseOptions(config, owned));
  try {
    process.stdout.write(`database: ${redactUrl(database.url)}\n`);
    await migrateAll(database.url, logger, ({ schema, applied }) => {
      const what = applied.length > 0 ? `applied ${applied.join(', ')}` : 'up to date';
      process.stdout.write(`  ${schema.padEnd(12)} ${what}\n`);
    });
  } finally {
    await database.stop();
  }
}
