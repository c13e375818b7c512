import { databaseName, quoteIdent, redactUrl, withDatabase } from '@ecp/db/database-url';
import pg from 'pg';
import { startEmbeddedPostgres } from './embedded-postgres';
import type { OwnedProcesses } from './owned-processes';
import { portAnswers } from './port';

export interface ResolvedDatabase {
  url: string;
  source: 'configured' | 'local' | 'embedded';
  /** Where an embedded PostgreSQL keeps its data. */
  dataDir?: string;
  stop(): Promise<void>;
}

export interface DatabaseOptions {
  databaseUrl?: string;
  localUrl: string;
  home: string;
  systemDir: string;
  embeddedPort: number;
  timeoutMs: number;
  owned: OwnedProcesses;
  log: (message: string) => void;
}

/**
 * Finds the database the platform will use: DATABASE_URL when set; otherwise a PostgreSQL already
 * answering locally; otherwise an embedded PostgreSQL (real binaries from `@embedded-postgres/*`) whose
 * data lives under ECP_HOME. The database itself is created when missing.
 */
export async function resolveDatabase(options: DatabaseOptions): Promise<ResolvedDatabase> {
  if (options.databaseUrl) {
    await ensureDatabase(options.databaseUrl);
    return { url: options.databaseUrl, source: 'configured', stop: async () => {} };
  }
  const local = new URL(options.localUrl);
  if (await portAnswers(local.hostname, Number(local.port || 5432))) {
    try {
      await ensureDatabase(options.localUrl);
    } catch (err) {
      throw new Error(
        `A PostgreSQL answers at ${local.host} but ECP could not use it as ${redactUrl(options.localUrl)} ` +
          `(${(err as Error).message}). Set DATABASE_URL to a database ECP may use.`,
      );
    }
    return { url: options.localUrl, source: 'local', stop: async () => {} };
  }
  const server = await startEmbeddedPostgres({
    home: options.home,
    systemDir: options.systemDir,
    port: options.embeddedPort,
    timeoutMs: options.timeoutMs,
    owned: options.owned,
    log: options.log,
  });
  const url = withDatabase(server.adminUrl, 'ecp');
  try {
    await ensureDatabase(url);
  } catch (err) {
    await server.stop();
    throw err;
  }
  return { url, source: 'embedded', dataDir: server.dataDir, stop: () => server.stop() };
}

/** Creates the URL's database when it does not exist yet (connecting to the server's `postgres` database). */
export async function ensureDatabase(url: string): Promise<void> {
  const target = new pg.Client({ connectionString: url });
  try {
    await target.connect();
    return;
  } catch (err) {
    if ((err as { code?: string }).code !== '3D000') throw err; // 3D000: database does not exist
  } finally {
    await target.end().catch(() => {});
  }
  const admin = new pg.Client({ connectionString: withDatabase(url, 'postgres') });
  await admin.connect();
  try {
    await admin.query(`create database ${quoteIdent(databaseName(url))}`);
  } catch (err) {
    if ((err as { code?: string }).code !== '42P04') throw err; // 42P04: created meanwhile
  } finally {
    await admin.end();
  }
}

/** The database options of the `ecp` command's configuration, printing what it does to stdout. */
export function databaseOptions(
  config: {
    DATABASE_URL?: string;
    ECP_LOCAL_POSTGRES_URL: string;
    ECP_HOME: string;
    ECP_SYSTEM_DIR: string;
    ECP_EMBEDDED_POSTGRES_PORT: number;
    START_TIMEOUT_MS: number;
  },
  owned: OwnedProcesses,
): DatabaseOptions {
  return {
    databaseUrl: config.DATABASE_URL,
    localUrl: config.ECP_LOCAL_POSTGRES_URL,
    home: config.ECP_HOME,
    systemDir: config.ECP_SYSTEM_DIR,
    embeddedPort: config.ECP_EMBEDDED_POSTGRES_PORT,
    timeoutMs: config.START_TIMEOUT_MS,
    owned,
    log: (m) => process.stdout.write(`${m}\n`),
  };
}
