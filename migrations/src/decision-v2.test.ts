import { randomBytes, randomUUID } from 'node:crypto';
import { withDatabase } from '@ecp/db/database-url';
import { openOrm } from '@ecp/db/orm';
import { createLogger } from '@ecp/logging/logger';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SUBGRAPH_SCHEMAS } from './subgraph-schemas';

// A database of this file's own, migrated by hand up to before the migration under test.
const adminUrl = process.env.ECP_TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const name = `ecp_t_${Date.now().toString(36)}_${randomBytes(4).toString('hex')}`;
const url = withDatabase(adminUrl, name);
const logger = createLogger({ service: 'test', level: 'silent' });
const ledger = SUBGRAPH_SCHEMAS.find((s) => s.subgraph === 'ledger')!;
const UNDER_TEST = 'Migration20261202090000_decision_v2';

async function sql<T = Record<string, unknown>>(
  connectionString: string,
  text: string,
  params: unknown[] = [],
): Promise<T[]> {
  const client = new pg.Client({ connectionString });
  await client.connect();
  try {
    return (await client.query(text, params)).rows as T[];
  } finally {
    await client.end();
  }
}

async function migrateLedger(to?: string): Promise<void> {
  const orm = await openOrm({
    databaseUrl: url,
    schema: 'ledger',
    entities: [],
    logger,
    poolMax: 1,
    migrations: ledger.migrations,
  });
  try {
    await orm.em.getConnection().execute('create schema if not exists "ledger"');
    await orm.getMigrator().up(to ? { to } : undefined);
  } finally {
    await orm.close(true);
  }
}

/** Writes a v1 decision as the ledger wrote them before this migration: its entry and its row. */
async function recordV1(index: number, rationale: string, context: Record<string, unknown>): Promise<void> {
  const agentId = randomUUID();
  const decisionId = randomUUID();
  const entry = {
    agentId,
    body: {
      category: 'pricing',
      chosenOption: 'raise',
      confidence: 0.5,
      context,
      idempotencyKey: `k-${index}`,
      inputDigests: [],
      jurisdiction: 'EU/DE',
      options: [{ description: '', id: 'raise' }],
      precedents: [],
      rationale,
    },
    decisionId,
    kind: 'ecp.decision/v1',
    recordedAt: '2026-11-30T12:00:00.000Z',
  };
  const canonical = JSON.stringify(entry);
  await sql(url, "insert into ledger.agent (id, name, roles) values ($1, 'v1-bot', '{AGENT}')", [agentId]);
  await sql(
    url,
    `insert into ledger.entry (index, kind, leaf_hash, canonical, payload, recorded_at, tree_size)
     values ($1::bigint, 'ecp.decision/v1', $2, convert_to($3::text, 'UTF8'), $3::jsonb, $4, $1::bigint + 1)`,
    [index, randomBytes(32), canonical, entry.recordedAt],
  );
  await sql(
    url,
    `insert into ledger.decision (id, ledger_index, agent_id, jurisdiction, category, chosen_option, confidence,
                                  idempotency_key, recorded_at)
     values ($1, $2, $3, 'EU/DE', 'pricing', 'raise', 0.5, $4, $5)`,
    [decisionId, index, agentId, `k-${index}`, entry.recordedAt],
  );
}

beforeAll(async () => {
  await sql(adminUrl, `create database "${name}"`);
  const before = ledger.migrations.map((m) => m.name).indexOf(UNDER_TEST) - 1;
  await migrateLedger(ledger.migrations[before]!.name);
});
afterAll(() => sql(adminUrl, `drop database if exists "${name}" with (force)`));

describe(UNDER_TEST, () => {
  it('fills tags, rationale and both search documents of the decisions already recorded, and stays append-only', async () => {
    await recordV1(0, 'Competitors refunded their customers twice.', { customer: 'ACME Corp', units: 3 });
    await recordV1(1, 'Demand exceeds supply.', {});
    await migrateLedger();

    const rows = await sql<{ ledger_index: string; tags: string[]; rationale: string }>(
      url,
      'select ledger_index::text, tags, rationale from ledger.decision order by ledger_index',
    );
    expect(rows).toEqual([
      { ledger_index: '0', tags: [], rationale: 'Competitors refunded their customers twice.' },
      { ledger_index: '1', tags: [], rationale: 'Demand exceeds supply.' },
    ]);
    const matches = async (column: string, query: string) =>
      (
        await sql<{ i: string }>(
          url,
          `select ledger_index::text as i from ledger.decision
            where ${column} @@ websearch_to_tsquery('english', $1) order by ledger_index`,
          [query],
        )
      ).map((r) => r.i);
    // Stemmed: "refunds" finds "refunded"; the context's strings are in the full document only.
    expect(await matches('search', 'refunds')).toEqual(['0']);
    expect(await matches('search', 'acme')).toEqual(['0']);
    expect(await matches('rationale_search', 'acme')).toEqual([]);
    expect(await matches('rationale_search', 'refunds customer')).toEqual(['0']);
    expect(await matches('rationale_search', 'supply')).toEqual(['1']);

    await expect(sql(url, "update ledger.decision set category = 'credit'")).rejects.toThrow(/append-only/);
    await expect(sql(url, "update ledger.decision set tags = '{x}'")).rejects.toThrow(/append-only/);
  });
});
