import { ConfigError } from '@ecp/config/env';
import { Command } from 'commander';
import { bootstrapAdminCommand } from './commands/bootstrap-admin';
import { migrate } from './commands/migrate';
import { start } from './commands/start';
import { loadCliConfig } from './env';

const program = new Command('ecp')
  .description('ECP — the Echo Coordination Protocol platform')
  .showHelpAfterError();

program
  .command('start')
  .description('migrate, then run the four subgraphs, the gateway and the workers until Ctrl-C')
  .action(() => start(loadCliConfig()));

program
  .command('migrate')
  .description('bring every subgraph schema up to date')
  .action(() => migrate(loadCliConfig()));

program
  .command('bootstrap-admin')
  .description('create the first admin if none exists, and print its API key once')
  .action(() => bootstrapAdminCommand(loadCliConfig()));

try {
  await program.parseAsync();
} catch (err) {
  process.stderr.write(`${err instanceof ConfigError ? err.message : `ecp: ${(err as Error).message}`}\n`);
  process.exit(1);
}
