import { randomBytes } from 'node:crypto';
import { withDatabase } from '@ecp/db/database-url';
import { createLogger } from '@ecp/logging/logger';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrateAll } from './migrate';
import { SUBGRAPH_SCHEMAS } from './subgraph-schemas';

// An empty database of this file's own (the test kit's databases come already migrated).
const adminUrl = process.env.ECP_TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const name = `ecp_t_${Date.now().toString(36)}_${randomBytes(4).toString('hex')}`;
const db = { url: withDatabase(adminUrl, name) };
const logger = createLogger({ service: 'test', level: 'silent' });

async function admin(sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

beforeAll(() => admin(`create database "${name}"`));
afterAll(() => admin(`drop database if exists "${name}" with (force)`));

describe('migrateAll', () => {
  it('applies every migration once, even when run concurrently, and again finds nothing to do', async () => {
    const [a, b] = await Promise.all([migrateAll(db.url, logger), migrateAll(db.url, logger)]);
    const applied = [...a!, ...b!].reduce((n, r) => n + r.applied.length, 0);
    expect(applied).toBe(SUBGRAPH_SCHEMAS.reduce((n, s) => n + s.migrations.length, 0));
    const again = await migrateAll(db.url, logger);
    expect(again.map((r) => r.applied.length)).toEqual(SUBGRAPH_SCHEMAS.map(() => 0));
  });

  it('gives each subgraph its own schema with its own migration history', async () => {
    const client = new pg.Client({ connectionString: db.url });
    await client.connect();
    try {
      for (const { schema, migrations } of SUBGRAPH_SCHEMAS) {
        const { rows } = await client.query(`select name from "${schema}".mikro_orm_migrations order by id`);
        expect(rows.map((r) => r.name)).toEqual(migrations.map((m) => m.name));
      }
    } finally {
      await client.end();
    }
  });
});
