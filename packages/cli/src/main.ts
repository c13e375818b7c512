import { ConfigError } from '@ecp/config/env';
import { Command, Option } from 'commander';
import { adminRecoverCommand } from './commands/admin-recover';
import { bootstrapAdminCommand } from './commands/bootstrap-admin';
import { closeBreakGlass, openBreakGlass } from './commands/break-glass';
import { DEMO_EXIT, demo } from './commands/demo';
import { listEvents, replayEvents, retryEvents } from './commands/events';
import { HEALTH_CHECK_EXIT, healthCheck } from './commands/health-check';
import { exportLedger, printBundle, printCheckpoint } from './commands/ledger';
import { explainLiability } from './commands/liability';
import { migrate } from './commands/migrate';
import { protectBranch } from './commands/protect-branch';
import { start } from './commands/start';
import {
  verifyBundles,
  verifyCheckpointConsistency,
  verifyCheckpoints,
  verifyExport,
} from './commands/verify';
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

program
  .command('admin')
  .description('the way back in when access is lost')
  .command('recover')
  .description(
    'create a new admin when every admin key is lost (needs the database); recorded with who and why',
  )
  .requiredOption('--reason <text>', 'why (10 to 1,000 characters), kept with the recovery')
  .option('--name <name>', 'the new admin’s name', 'recovered-admin')
  .action((options: { reason: string; name: string }) => adminRecoverCommand(loadCliConfig(), options));

const collect = (value: string, previous: string[]) => [...previous, value];
const withKeys = (command: Command) =>
  command
    .option(
      '--key <vkey>',
      'the log’s verifier key (<name>+<id>+<key>, or @file); repeatable for rotated keys',
      collect,
      [],
    )
    .option('--origin <origin>', 'require this log origin');

const ledger = program
  .command('ledger')
  .description('read the Transparency Ledger through the gateway (ECP_GATEWAY_URL, ECP_API_KEY)');
ledger
  .command('checkpoint')
  .description(
    'print the latest signed checkpoint (or the one at --size); keep it to check consistency later',
  )
  .option('--size <n>', 'tree size of the checkpoint')
  .option('--gateway <url>', 'gateway URL')
  .option('--api-key <key>', 'API key')
  .action((options) => printCheckpoint(loadCliConfig(), options));
ledger
  .command('bundle <index>')
  .description('print the self-contained proof bundle of one entry')
  .option('--gateway <url>', 'gateway URL')
  .option('--api-key <key>', 'API key')
  .action((index, options) => printBundle(loadCliConfig(), index, options));
ledger
  .command('export')
  .description('write every checkpoint and entry to a JSON-lines file, with a progress bar')
  .requiredOption('--out <file>', 'where to write the export')
  .option('--gateway <url>', 'gateway URL')
  .option('--api-key <key>', 'API key')
  .action((options) => exportLedger(loadCliConfig(), options));

program
  .command('liability')
  .description('liability allocation rules (docs/liability.md), through the gateway')
  .command('explain')
  .description(
    'show how a decision in a jurisdiction would be shared under its effective rules, each share with its rule',
  )
  .requiredOption('--jurisdiction <code>', 'e.g. EU/DE')
  .option('--organisation <name>', 'the agent’s operator organisation (none when omitted)')
  .option('--approvers <n>', 'how many people approved it, 0–10', '0')
  .option('--consortium', 'the consortium’s recommendation was followed')
  .option('--break-glass', 'a break-glass user committed it')
  .option('--json', 'print JSON')
  .option('--gateway <url>', 'gateway URL')
  .option('--api-key <key>', 'API key')
  .action((options) => explainLiability(loadCliConfig(), options));

program
  .command('health-check')
  .description(
    'check every environment now through the gateway (an operator’s key) and print a table; exit 1 when any is unhealthy, 2 when it could not ask',
  )
  .option('--json <file>', 'also write the report as JSON')
  .option('--gateway <url>', 'gateway URL')
  .option('--api-key <key>', 'API key')
  // Usage errors end with 2, apart from the 1 an unhealthy environment means.
  .exitOverride((err) => process.exit(err.exitCode === 0 ? 0 : HEALTH_CHECK_EXIT.error))
  .action(async (options) => {
    process.exitCode = await healthCheck(loadCliConfig, options);
  });

program
  .command('demo')
  .description(
    'simulated agents (demo-…, organisation ECP demo) drive real traffic through the gateway so the dashboard moves, until Ctrl-C; needs an admin’s key',
  )
  .option('--key <key>', 'an admin’s API key (ECP_API_KEY unless given; `npm start` prints the first)')
  .option('--url <url>', 'the gateway (ECP_GATEWAY_URL unless given, http://127.0.0.1:4000 by default)')
  .option('--rate <n>', 'actions per second', '1')
  .option('--seed <n>', 'a whole number: the same seed plays the same choices again')
  .addOption(new Option('--api-key <key>', 'same as --key').hideHelp())
  .addOption(new Option('--gateway <url>', 'same as --url').hideHelp())
  // Usage errors end with 2, as a missing or refused key does.
  .exitOverride((err) => process.exit(err.exitCode === 0 ? 0 : DEMO_EXIT.cannotStart))
  .action(async (options) => {
    process.exitCode = await demo(loadCliConfig, options);
  });

const breakGlass = program
  .command('break-glass')
  .description('emergency sessions past the Liability Firewall (15 minutes at most), through the gateway');
breakGlass
  .command('open')
  .description('open a session for yourself; prints it with its time left')
  .requiredOption('--reason <text>', 'why (at least 20 characters)')
  .option('--incident <id>', 'the incident it is for')
  .option('--minutes <n>', 'how long, 1–15 (BREAK_GLASS_MAX_MINUTES by default)')
  .option('--json', 'print JSON')
  .option('--gateway <url>', 'gateway URL')
  .option('--api-key <key>', 'API key')
  .action((options) => openBreakGlass(loadCliConfig(), options));
breakGlass
  .command('close <id>')
  .description('close a session (yours, or any as an admin); a review by another operator opens')
  .option('--json', 'print JSON')
  .option('--gateway <url>', 'gateway URL')
  .option('--api-key <key>', 'API key')
  .action((id: string, options) => closeBreakGlass(loadCliConfig(), id, options));

program
  .command('protect-branch')
  .description(
    'protect a GitHub branch: 2 approvals with code-owner review, stale reviews dismissed, no force pushes or deletion (GITHUB_TOKEN, GITHUB_API_URL)',
  )
  .requiredOption('--repo <owner/name>', 'the repository')
  .option('--branch <name>', 'the branch', 'main')
  .option('--linear-history', 'require a linear history')
  .option('--status-check <name>', 'a status check that must pass; repeatable', collect, [])
  .option('--dry-run', 'print the exact request and send nothing')
  .action((options) => protectBranch(loadCliConfig(), options));

const withRedisOptions = (command: Command) =>
  command
    .option('--redis <url>', 'the workers’ Redis (REDIS_URL unless given)')
    .option('--queue-prefix <prefix>', 'the workers’ QUEUE_PREFIX (ecp:jobs unless given)');
const events = withRedisOptions(
  program
    .command('events')
    .description('the event consumers the workers host: position and lag of each; replay and retry')
    .option('--json', 'print JSON'),
).action((options) => listEvents(loadCliConfig(), options));
withRedisOptions(events.command('replay <consumer>'))
  .description('hand a consumer its streams again from a stream id (inclusive; 0 for all that is kept)')
  .requiredOption('--from <id>', 'the stream id to replay from, e.g. 1764547200000-0')
  .action((consumer, _options, command: Command) =>
    replayEvents(loadCliConfig(), consumer, command.optsWithGlobals()),
  );
withRedisOptions(events.command('retry <consumer>'))
  .description('queue again every event the consumer gave up on')
  .action((consumer, _options, command: Command) =>
    retryEvents(loadCliConfig(), consumer, command.optsWithGlobals()),
  );

const verify = program
  .command('verify')
  .description('check the ledger offline, trusting nothing but its public key');
withKeys(verify.command('checkpoint <files...>'))
  .description('check signed checkpoint notes')
  .action((files, options) => verifyCheckpoints(files, options));
withKeys(verify.command('bundle <files...>'))
  .description('check proof bundles: the checkpoint’s signature and the entry’s inclusion')
  .action((files, options) => verifyBundles(files, options));
withKeys(verify.command('consistency <older> <newer>'))
  .description('check that the newer kept checkpoint extends the older (proof from --proof or the gateway)')
  .option('--proof <file>', 'consistency proof hashes, one hex hash per line')
  .option('--gateway <url>', 'gateway URL to fetch the proof from')
  .option('--api-key <key>', 'API key')
  .action((older, newer, options) => verifyCheckpointConsistency(loadCliConfig(), older, newer, options));
withKeys(verify.command('export <file>'))
  .description('re-hash every entry of an export, recompute the tree and compare it with every checkpoint')
  .option('--checkpoint <file>', 'a checkpoint you kept; repeatable', collect, [])
  .option('--previous <file>', 'an earlier export: entries changed since are named exactly')
  .option(
    '--schema <file>',
    'the JSON Schema of an entry kind newer than this ecp (from schema/ledger/); repeatable',
    collect,
    [],
  )
  .action((file, options) => verifyExport(file, options));

try {
  await program.parseAsync();
} catch (err) {
  const message = err instanceof ConfigError ? err.message : `ecp: ${(err as Error).message}`;
  process.stderr.write(`${message}\n`);
  process.exit(1);
}
