import { hashApiKey } from '@ecp/identity/api-key';
import { createLogger } from '@ecp/logging/logger';
import { createTestDatabase, type TestDatabase } from '@ecp/test-kit/database';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureFirstAdmin } from '../src/admin';

let db: TestDatabase;
const logger = createLogger({ service: 'ledger', level: 'silent' });

beforeAll(async () => {
  db = await createTestDatabase();
});

afterAll(async () => {
  await db?.drop();
});

describe('the admin entry (./admin)', () => {
  it('creates one first admin however many callers ask at once, and hands back plain data', async () => {
    const answers = await Promise.all([1, 2, 3].map(() => ensureFirstAdmin(db.url, logger)));
    const created = answers.filter((a) => a !== null);
    expect(created).toHaveLength(1);
    const first = created[0]!;
    // No ORM entity crosses the entry: the caller gets exactly these fields, as a plain object.
    expect(Object.getPrototypeOf(first)).toBe(Object.prototype);
    expect(Object.keys(first).sort()).toEqual(['agentId', 'apiKey', 'name']);
    expect(first.apiKey).toMatch(/^ecp_/);

    const client = new pg.Client({ connectionString: db.url });
    await client.connect();
    try {
      const { rows } = await client.query(
        'select a.name, a.roles, k.key_hash from ledger.agent a join ledger.api_key k on k.agent_id = a.id where a.id = $1',
        [first.agentId],
      );
      expect(rows).toEqual([{ name: first.name, roles: ['ADMIN'], key_hash: hashApiKey(first.apiKey) }]);
    } finally {
      await client.end();
    }
  });

  it('creates nothing once an admin exists', async () => {
    expect(await ensureFirstAdmin(db.url, logger)).toBeNull();
  });
});
