import { join } from 'node:path';
import { redactUrl } from '@ecp/db/database-url';
import { createLogger } from '@ecp/logging/logger';
import { migrateAll } from '@ecp/migrations/migrate';
import { platformLayout } from '@ecp/platform/layout';
import { REPO_ROOT } from '@ecp/platform/repo';
import { describeEvent, Supervisor, type SupervisorEvent } from '@ecp/platform/supervisor';
import { ensureFirstAdmin } from '@ecp/subgraph-ledger/admin';
import { buildDashboard, dashboardBuildState } from '../dashboard-build';
import { type CliConfig, inheritedEnv, portsFrom } from '../env';
import { OwnedProcesses } from '../owned-processes';
import { databaseOptions, type ResolvedDatabase, resolveDatabase } from '../postgres';
import { type ResolvedRedis, resolveRedis } from '../redis';
import { loadOrCreateSecrets } from '../secrets';

const say = (line = '') => process.stdout.write(`${line}\n`);

/**
 * Builds the pages the gateway serves when they are missing or older than their sources. A failed
 * build does not stop ECP: the API works without the pages, which answer 503 saying how to build them.
 */
async function ensureDashboardBuilt(): Promise<void> {
  const state = dashboardBuildState(join(REPO_ROOT, 'dashboard-client'));
  if (state.current) return;
  say(`dashboard: building the pages (${state.reason})…`);
  const built = await buildDashboard(REPO_ROOT, inheritedEnv());
  const seconds = (built.ms / 1000).toFixed(1);
  if (built.ok) {
    say(`dashboard: built in ${seconds} s`);
    return;
  }
  process.stderr.write(
    `dashboard: the build failed after ${seconds} s; / and /playground answer 503 until \`npm run build -w @ecp/dashboard-client\` succeeds.\n${built.output.split('\n').slice(-40).join('\n')}\n`,
  );
}

/**
 * `ecp start`: finds or starts Redis, then PostgreSQL; migrates, creates the first admin, builds the pages
 * if they are out of date, starts the four subgraphs, then the gateway and the workers, and prints where
 * everything is. A process that crashes is
 * restarted with backoff; one that keeps crashing stops everything (exit 1). Ctrl-C stops all.
 */
export async function start(config: CliConfig): Promise<void> {
  const logger = createLogger({
    service: 'ecp',
    level: config.LOG_LEVEL === 'info' ? 'warn' : config.LOG_LEVEL,
  });
  const supervisor = new Supervisor({
    cwd: REPO_ROOT,
    host: config.HOST,
    baseEnv: inheritedEnv(),
    write: (line) => say(line),
    format: config.LOG_FORMAT ?? (process.stdout.isTTY ? 'pretty' : 'json'),
    colour: Boolean(process.stdout.isTTY),
    restart: {
      initialDelayMs: config.RESTART_DELAY_MS,
      maxDelayMs: config.RESTART_MAX_DELAY_MS,
      maxCrashes: config.RESTART_MAX_CRASHES,
      windowMs: config.RESTART_WINDOW_MS,
    },
    onEvent: (event) => onSupervisorEvent(event),
  });

  // The servers ECP runs itself are stopped last, once the services using them have drained.
  const owned = new OwnedProcesses();
  let stopping: Promise<void> | undefined;
  const stopAll = (code: number) => {
    stopping ??= (async () => {
      say('stopping ECP…');
      await supervisor.stopAll(config.SHUTDOWN_DEADLINE_MS);
      await owned.stopAll(config.SHUTDOWN_DEADLINE_MS);
      say('stopped.');
      process.exit(code);
    })();
    return stopping;
  };
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(signal, () => void stopAll(0));
  const onSupervisorEvent = (event: SupervisorEvent) => {
    switch (event.kind) {
      case 'exited':
        // Ctrl-C reaches the whole process group, so children may stop (cleanly, code 0) before this
        // process handles its own SIGINT: that is an orderly stop, not a failure.
        say(`${describeEvent(event)}; stopping everything.`);
        return void stopAll(0);
      case 'gave-up':
        process.stderr.write(`${describeEvent(event)}; stopping everything.\n`);
        return void stopAll(1);
      case 'ready':
        return say(describeEvent(event));
      default:
        process.stderr.write(`${describeEvent(event)}\n`);
    }
  };

  let redis: ResolvedRedis;
  let database: ResolvedDatabase;
  try {
    redis = await resolveRedis({
      redisUrl: config.REDIS_URL,
      localUrl: config.ECP_LOCAL_REDIS_URL,
      home: config.ECP_HOME,
      port: config.ECP_EMBEDDED_REDIS_PORT,
      timeoutMs: config.START_TIMEOUT_MS,
      owned,
      path: config.PATH,
    });
    const redisFrom = {
      configured: 'REDIS_URL',
      local: 'the local Redis',
      started: `a redis-server ECP runs itself, data in ${redis.dataDir}`,
    };
    say(`redis: ${redactUrl(redis.url)} (${redisFrom[redis.source]})`);
    database = await resolveDatabase(databaseOptions(config, owned));
  } catch (err) {
    // One sentence saying what to do; whatever ECP had started for itself is stopped.
    process.stderr.write(`${(err as Error).message}\n`);
    await owned.stopAll(config.SHUTDOWN_DEADLINE_MS);
    process.exit(1);
  }
  const where = {
    configured: 'DATABASE_URL',
    local: 'the local PostgreSQL',
    embedded: `an embedded PostgreSQL, data in ${database.dataDir}`,
  };
  say(`database: ${redactUrl(database.url)} (${where[database.source]})`);

  try {
    const migrated = await migrateAll(database.url, logger, ({ schema, applied }) =>
      say(`migrations: ${schema} ${applied.length > 0 ? `applied ${applied.length}` : 'up to date'}`),
    );
    if (migrated.length === 0) throw new Error('no schemas to migrate');
    const admin = await ensureFirstAdmin(database.url, logger);
    const secrets = loadOrCreateSecrets(
      config.ECP_HOME,
      {
        identitySecret: config.ECP_IDENTITY_SECRET,
        tokenSecret: config.ECP_TOKEN_SECRET,
        ledgerSigningKey: config.LEDGER_SIGNING_KEY,
      },
      config.LEDGER_ORIGIN,
    );
    const ports = portsFrom(config);
    const layout = platformLayout({
      repoRoot: REPO_ROOT,
      host: config.HOST,
      ports,
      databaseUrl: database.url,
      redisUrl: redis.url,
      secrets,
      logLevel: config.LOG_LEVEL,
      extraEnv: { LEDGER_ORIGIN: config.LEDGER_ORIGIN },
    });
    await ensureDashboardBuilt();
    say('starting the subgraphs…');
    await Promise.all(layout.subgraphs.map((s) => supervisor.start(s, config.START_TIMEOUT_MS)));
    say('starting the gateway and the workers…');
    await Promise.all(layout.edge.map((s) => supervisor.start(s, config.START_TIMEOUT_MS)));

    const base = `http://${config.HOST}:${ports.gateway}`;
    say();
    say('ECP is running.');
    say(`  Dashboard          ${base}/  (sign in with the admin API key, or as a person an admin created)`);
    say(`  GraphQL endpoint   ${base}/graphql`);
    say(`  Playground         ${base}/playground`);
    say(`  Metrics            ${base}/metrics  (each service also serves /metrics on its own port)`);
    say(
      `  Queues             http://${config.HOST}:${ports.workers}/admin/queues  (admins: any user name, the API key as password)`,
    );
    if (admin) {
      say(`  admin API key      ${admin.apiKey}`);
      say('                     (shown once: ECP keeps only its hash — store it now)');
    } else {
      say('  admin API key      created on an earlier start and not shown again');
    }
    say(`To see it move: npm run ecp -- demo --key <admin API key>`);
    say('Press Ctrl-C to stop.');
    say();
  } catch (err) {
    process.stderr.write(`ECP could not start: ${(err as Error).message}\n`);
    await stopAll(1);
  }
}
