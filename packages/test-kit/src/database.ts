import { createHash, randomBytes } from 'node:crypto';
import { quoteIdent, withDatabase } from '@ecp/db/database-url';
import { createLogger } from '@ecp/logging/logger';
import { migrateAll } from '@ecp/migrations/migrate';
import { SUBGRAPH_SCHEMAS } from '@ecp/migrations/subgraph-schemas';
import pg from 'pg';
import { testEnv } from './env';

export interface TestDatabase {
  /** A migrated database of its own, for one test file. */
  url: string;
  name: string;
  drop(): Promise<void>;
}

/**
 * A fingerprint of the migrations this process loaded (names and code), so a template built from other
 * migrations — or by a process that loaded an older version of them — is never reused.
 */
function migrationsFingerprint(): string {
  const hash = createHash('sha256');
  for (const { schema, migrations } of SUBGRAPH_SCHEMAS) {
    hash.update(`${schema}\n`);
    for (const m of migrations) hash.update(`${m.name}\n${String(m.class)}\n`);
  }
  return hash.digest('hex').slice(0, 16);
}

async function withAdmin<T>(fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: testEnv.adminDatabaseUrl });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

const silent = createLogger({ service: 'test-kit', level: 'silent' });

/**
 * Creates a fresh, fully migrated database for one test file. The first call on a machine migrates a
 * template database (named after the migrations' fingerprint); later calls copy it, which takes
 * milliseconds. Concurrent test processes serialise on an advisory lock.
 */
export async function createTestDatabase(options: { migrated?: boolean } = {}): Promise<TestDatabase> {
  const migrated = options.migrated ?? true;
  const template = `ecp_tpl_${migrationsFingerprint()}`;
  const name = `ecp_t_${Date.now().toString(36)}_${randomBytes(4).toString('hex')}`;
  await withAdmin(async (admin) => {
    await admin.query('select pg_advisory_lock(hashtext($1))', ['ecp:test-kit']);
    try {
      if (migrated) {
        const exists = await admin.query('select 1 from pg_database where datname = $1', [template]);
        if (exists.rowCount === 0) {
          await dropStale(admin);
          const building = `${template}_building`;
          await admin.query(`drop database if exists ${quoteIdent(building)}`);
          await admin.query(`create database ${quoteIdent(building)}`);
          await migrateAll(withDatabase(testEnv.adminDatabaseUrl, building), silent);
          await admin.query(`alter database ${quoteIdent(building)} rename to ${quoteIdent(template)}`);
        }
        await admin.query(`create database ${quoteIdent(name)} template ${quoteIdent(template)}`);
      } else {
        await admin.query(`create database ${quoteIdent(name)}`);
      }
    } finally {
      await admin.query('select pg_advisory_unlock(hashtext($1))', ['ecp:test-kit']);
    }
  });
  const url = withDatabase(testEnv.adminDatabaseUrl, name);
  return {
    url,
    name,
    async drop() {
      if (testEnv.keepDatabases) return;
      await withAdmin((admin) => admin.query(`drop database if exists ${quoteIdent(name)} with (force)`));
    },
  };
}

/** Templates kept besides the one being built: checkouts of other branches may be testing beside this one. */
const TEMPLATES_KEPT = 3;

/**
 * Drops templates built from older migrations and test databases left behind by crashed runs. The most
 * recently built templates (newest OIDs) survive, so two checkouts with different migrations testing on
 * one server do not drop each other's template mid-run.
 */
async function dropStale(admin: pg.Client): Promise<void> {
  const { rows } = await admin.query<{ datname: string }>(
    "select datname from pg_database where datname like 'ecp\\_tpl\\_%' or datname like 'ecp\\_t\\_%' order by oid desc",
  );
  const dayAgo = Date.now() - 24 * 3600_000;
  let templates = 0;
  for (const { datname } of rows) {
    const isTemplate = datname.startsWith('ecp_tpl_');
    if (isTemplate && !datname.endsWith('_building') && ++templates <= TEMPLATES_KEPT) continue;
    const created = isTemplate ? 0 : Number.parseInt(datname.split('_')[2] ?? '', 36);
    if (isTemplate || created < dayAgo) {
      await admin.query(`drop database if exists ${quoteIdent(datname)} with (force)`);
    }
  }
}
