import { createLogger } from '@ecp/logging/logger';
import { ensureFirstAdmin } from '@ecp/subgraph-ledger/admin';
import type { CliConfig } from '../env';
import { OwnedProcesses } from '../owned-processes';
import { databaseOptions, resolveDatabase } from '../postgres';

/** `ecp bootstrap-admin`: creates the first admin when none exists and prints its key once. */
export async function bootstrapAdminCommand(config: CliConfig): Promise<void> {
  const owned = new OwnedProcesses();
  owned.stopOnSignals();
  const database = await resolveDatabase(databaseOptions(config, owned));
  try {
    const admin = await ensureFirstAdmin(database.url, createLogger({ service: 'ecp', level: 'warn' }));
    process.stdout.write(
      admin
        ? `admin API key: ${admin.apiKey}\n(shown once: ECP keeps only its hash)\n`
        : 'An admin already exists; no key was created.\n',
    );
  } finally {
    await database.stop();
  }
}
