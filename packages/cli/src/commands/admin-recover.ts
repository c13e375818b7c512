import { hostname, userInfo } from 'node:os';
import { isEcpError } from '@ecp/errors/errors';
import { createLogger } from '@ecp/logging/logger';
import { recoverAdminWithDatabase } from '@ecp/subgraph-ledger/admin';
import type { CliConfig } from '../env';
import { OwnedProcesses } from '../owned-processes';
import { databaseOptions, resolveDatabase } from '../postgres';

export interface AdminRecoverOptions {
  reason: string;
  name: string;
}

/**
 * `ecp admin recover --reason …`: for a ledger whose admin keys are all lost. Needs the database, creates
 * a new admin, prints its key once and records the recovery (who, why, when) in `ledger.admin_recovery`.
 */
export async function adminRecoverCommand(config: CliConfig, options: AdminRecoverOptions): Promise<void> {
  const owned = new OwnedProcesses();
  owned.stopOnSignals();
  const database = await resolveDatabase(databaseOptions(config, owned));
  try {
    const runBy = `${userInfo().username}@${hostname()}`;
    const recovered = await recoverAdminWithDatabase(
      database.url,
      { name: options.name, reason: options.reason, runBy },
      createLogger({ service: 'ecp', level: 'warn' }),
    );
    process.stdout.write(
      [
        `recovered admin: ${recovered.agent.name} (${recovered.agent.id})`,
        `admin API key: ${recovered.apiKey}`,
        '(shown once: ECP keeps only its hash)',
        `recorded as recovery ${recovered.recoveryId} at ${recovered.recoveredAt.toISOString()}, run by ${runBy}`,
        'Revoke the lost keys with this admin (revokeApiKey) if they may be in anyone’s hands.',
        '',
      ].join('\n'),
    );
  } catch (err) {
    if (!isEcpError(err)) throw err;
    process.stderr.write(`ecp admin recover: ${err.message}\n`);
    process.exitCode = 2;
  } finally {
    await database.stop();
  }
}
