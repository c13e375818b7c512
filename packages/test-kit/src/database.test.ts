import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from './database';

const created: TestDatabase[] = [];
afterAll(async () => {
  await Promise.all(created.map((db) => db.drop()));
});

async function tables(url: string): Promise<string[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query<{ name: string }>(
      "select table_schema || '.' || table_name as name from information_schema.tables where table_schema in ('ledger','advisory','learning','operations') order by 1",
    );
    return rows.map((r) => r.name);
  } finally {
    await client.end();
  }
}

describe('createTestDatabase', () => {
  it('gives each caller its own migrated database', async () => {
    const [a, b] = await Promise.all([createTestDatabase(), createTestDatabase()]);
    created.push(a!, b!);
    expect(a!.name).not.toBe(b!.name);
    const names = await tables(a!.url);
    expect(names).toEqual(
      expect.arrayContaining([
        'ledger.agent',
        'ledger.api_key',
        'advisory.vote',
        'learning.outcome_report',
        'operations.break_glass_session',
      ]),
    );
    expect(names).toEqual(expect.arrayContaining(['ledger.mikro_orm_migrations']));
    expect(await tables(b!.url)).toEqual(names);
  });

  it('drops what it created', async () => {
    const db = await createTestDatabase();
    await db.drop();
    await expect(tables(db.url)).rejects.toThrow(/does not exist/);
  });
});
