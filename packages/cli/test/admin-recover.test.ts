import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { hashApiKey } from '@ecp/identity/api-key';
import { createTestDatabase, type TestDatabase } from '@ecp/test-kit/database';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/** `ecp admin recover` as an operator runs it: a process with the database's URL and nothing else. */
let db: TestDatabase;
let client: pg.Client;
const bin = join(import.meta.dirname, '..', 'bin', 'ecp.js');

beforeAll(async () => {
  db = await createTestDatabase();
  client = new pg.Client({ connectionString: db.url });
  await client.connect();
}, 120_000);

afterAll(async () => {
  await client?.end();
  await db?.drop();
});

async function recover(...args: string[]) {
  return promisify(execFile)(process.execPath, [bin, 'admin', 'recover', ...args], {
    env: { ...process.env, DATABASE_URL: db.url },
  }).then(
    (done) => ({ code: 0, stdout: done.stdout, stderr: done.stderr }),
    (err: { code: number; stdout: string; stderr: string }) => ({
      code: err.code,
      stdout: err.stdout,
      stderr: err.stderr,
    }),
  );
}

const count = async (table: string) =>
  (await client.query<{ n: number }>(`select count(*)::int as n from ledger.${table}`)).rows[0]!.n;

describe('ecp admin recover', () => {
  it('creates an admin whose key is printed once, and records who ran it and why', async () => {
    const run = await recover(
      '--reason',
      'the only admin key was lost with a laptop',
      '--name',
      'night-shift',
    );
    expect(run.code, run.stderr).toBe(0);
    const key = /^admin API key: (\S+)$/m.exec(run.stdout)?.[1];
    expect(key).toBeDefined();
    const agentId = /^recovered admin: night-shift \(([0-9a-f-]{36})\)$/m.exec(run.stdout)?.[1];
    expect(agentId).toBeDefined();
    const agent = await client.query('select name, roles from ledger.agent where id = $1', [agentId]);
    expect(agent.rows).toEqual([{ name: 'night-shift', roles: ['ADMIN'] }]);
    const keys = await client.query('select key_hash from ledger.api_key where agent_id = $1', [agentId]);
    expect(keys.rows).toEqual([{ key_hash: hashApiKey(key!) }]);
    const recorded = await client.query(
      'select id, reason, run_by, database_user, recovered_at from ledger.admin_recovery where agent_id = $1',
      [agentId],
    );
    expect(recorded.rows).toHaveLength(1);
    const row = recorded.rows[0] as { id: string; reason: string; run_by: string; database_user: string };
    expect(row.reason).toBe('the only admin key was lost with a laptop');
    expect(row.run_by).toMatch(/^[^@\s]+@\S+$/);
    expect(row.database_user.length).toBeGreaterThan(0);
    expect(run.stdout).toContain(`recorded as recovery ${row.id}`);
    // The printed key is not kept anywhere but in its hash.
    expect(JSON.stringify(recorded.rows)).not.toContain(key!);
  }, 60_000);

  it('refuses a recovery without a real reason and changes nothing', async () => {
    const before = [await count('agent'), await count('api_key'), await count('admin_recovery')];
    const short = await recover('--reason', 'lost');
    expect(short.code).toBe(2);
    expect(short.stderr).toMatch(/10 to 1,000 characters/);
    expect(short.stdout).not.toContain('admin API key');
    const missing = await recover();
    expect(missing.code).not.toBe(0);
    expect(missing.stderr).toMatch(/--reason/);
    expect([await count('agent'), await count('api_key'), await count('admin_recovery')]).toEqual(before);
  }, 60_000);
});
