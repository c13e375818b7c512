import { newId } from '@ecp/db/ids';
import { openOrm } from '@ecp/db/orm';
import { Outbox } from '@ecp/events/outbox';
import { createLogger } from '@ecp/logging/logger';
import { leafHash, toHex } from '@ecp/merkle/hash';
import { rootFromLeaves } from '@ecp/merkle/tree';
import { createTestDatabase, type TestDatabase } from '@ecp/test-kit/database';
import { TEST_LEDGER_ORIGIN, TEST_LEDGER_SIGNING_KEY } from '@ecp/test-kit/http';
import type { MikroORM } from '@mikro-orm/postgresql';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type EntryKind, serviceIdempotency } from '../src/modules/entries/entry-kind';
import { type DecisionProjection, decisionKind } from '../src/modules/ledger/decision.kind';
import { LEDGER_TOPICS } from '../src/modules/ledger/ledger.topics';
import { type AppendRequest, LedgerLog } from '../src/modules/ledger/ledger-log';
import { logKeys } from '../src/modules/ledger/log-keys';
import { LEDGER_ENTITIES, LEDGER_SERVICE_ROLE } from '../src/subgraph';

let db: TestDatabase;
const orms: MikroORM[] = [];
const logger = createLogger({ service: 'ledger', level: 'silent' });
const keys = logKeys(TEST_LEDGER_ORIGIN, TEST_LEDGER_SIGNING_KEY, []);
const outbox = new Outbox({ schema: 'ledger', topics: LEDGER_TOPICS });

async function newLog(batchMax = 1000): Promise<LedgerLog> {
  const orm = await openOrm({
    databaseUrl: db.url,
    schema: 'ledger',
    entities: LEDGER_ENTITIES,
    logger,
    poolMax: 4,
    sessionRole: LEDGER_SERVICE_ROLE,
  });
  orms.push(orm);
  const log = new LedgerLog({
    knex: orm.em.getConnection().getKnex(),
    outbox,
    keys,
    logger,
    batchMax,
    checkpointIntervalMs: 60_000,
    checkpointEveryEntries: 1_000_000,
  });
  await log.start();
  return log;
}

async function sql<T = Record<string, unknown>>(text: string, params: unknown[] = []): Promise<T[]> {
  const client = new pg.Client({ connectionString: db.url });
  await client.connect();
  try {
    const result = await client.query(text, params);
    // A multi-statement query answers with one result per statement: keep the last.
    return (Array.isArray(result) ? result.at(-1).rows : result.rows) as T[];
  } finally {
    await client.end();
  }
}

/** A kind of the test's own: entries the log appends without projecting anything. */
const NOTES: EntryKind = {
  kind: 'ecp.test/v1',
  appendedBy: 'service',
  idempotency: serviceIdempotency,
  project: async () => [],
};

const note = (n: number): AppendRequest => ({
  kind: NOTES,
  entry: (recordedAt) => ({ kind: 'ecp.test/v1', n, recordedAt }),
  projection: undefined,
});

/** The stored entries' leaf hashes, checked against their bytes, and the recursive root over them. */
async function storedTree(): Promise<{ size: number; root: string }> {
  const rows = await sql<{ index: string; leaf_hash: Buffer; canonical: Buffer }>(
    'select e.index::text as index, e.leaf_hash, e.canonical from ledger.entry e order by e.index',
  );
  rows.forEach((r, i) => {
    expect(r.index).toBe(String(i));
    expect(toHex(leafHash(new Uint8Array(r.canonical)))).toBe(toHex(new Uint8Array(r.leaf_hash)));
  });
  return { size: rows.length, root: toHex(rootFromLeaves(rows.map((r) => new Uint8Array(r.leaf_hash)))) };
}

beforeAll(async () => {
  db = await createTestDatabase();
});

afterAll(async () => {
  await Promise.all(orms.map((o) => o.close(true)));
  await db?.drop();
});

describe('LedgerLog', () => {
  it('fails only the append whose content the database refuses; its batch-mates commit and the log goes on', async () => {
    const log = await newLog();
    await Promise.all([1, 2, 3].map((n) => log.append(note(n))));
    const before = await storedTree();
    // A decision row for an agent that does not exist violates a foreign key inside the transaction.
    const poisoned: AppendRequest<DecisionProjection> = {
      kind: decisionKind,
      entry: (recordedAt) => ({ kind: 'ecp.test/v1', n: 99, recordedAt }),
      projection: {
        row: {
          id: newId(),
          agentId: newId(),
          jurisdiction: 'EU',
          category: 'x',
          chosenOption: 'a',
          confidence: 0.5,
          idempotencyKey: 'k',
          signingKeyId: null,
          tags: [],
          rationale: 'r',
          context: {},
        },
        cites: [],
      },
    };
    // The first append starts a batch on its own; the next three queue behind it and form one batch.
    const lead = log.append(note(4));
    const outcomes = await Promise.allSettled([
      log.append(note(5)),
      log.append(poisoned),
      log.append(note(6)),
    ]);
    await lead;
    expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    const tree = await storedTree();
    expect(tree.size).toBe(before.size + 3);
    expect(log.size).toBe(BigInt(before.size + 3));
    // Indexes stay gapless and in queue order: the culprit took no index.
    const kept = outcomes.flatMap((o) => (o.status === 'fulfilled' ? [o.value.index] : []));
    expect(kept).toEqual([BigInt(before.size + 1), BigInt(before.size + 2)]);
    const after = await Promise.all([7, 8].map((n) => log.append(note(n))));
    expect(after.map((r) => r.index)).toEqual([BigInt(before.size + 3), BigInt(before.size + 4)]);
    await log.close();
  });

  it('keeps thirty appends of one caller when another caller’s entries hold what jsonb refuses', async () => {
    const log = await newLog();
    const lead = log.append(note(300));
    // Built past validation on purpose: U+0000 and a lone surrogate make PostgreSQL refuse the insert.
    const bad = (n: number): AppendRequest => ({
      kind: NOTES,
      entry: (recordedAt) => ({ kind: 'ecp.test/v1', n, recordedAt, text: n % 2 ? '\u0000' : '\ud800' }),
      projection: undefined,
    });
    const mixed = Array.from({ length: 60 }, (_, i) => (i % 2 ? log.append(bad(i)) : log.append(note(i))));
    await lead;
    const outcomes = await Promise.allSettled(mixed);
    const good = outcomes.filter((_, i) => i % 2 === 0);
    const poisoned = outcomes.filter((_, i) => i % 2 === 1);
    expect(good.every((o) => o.status === 'fulfilled')).toBe(true);
    expect(poisoned.every((o) => o.status === 'rejected')).toBe(true);
    await log.close();
    const tree = await storedTree();
    expect(tree.size).toBe(Number(log.size));
  });

  it('answers a retry queued in the same batch with the first append and the record it projects', async () => {
    const log = await newLog();
    const keyed = (n: number, recordId: string): AppendRequest => ({
      ...note(n),
      idempotency: { owner: 'service:test', key: 'same-batch' },
      recordId,
    });
    // The first append starts a batch on its own; the two retries queue behind it and form one batch.
    const lead = log.append(note(400));
    const [first, retry] = await Promise.all([
      log.append(keyed(401, 'record-1')),
      log.append(keyed(402, 'record-2')),
    ]);
    await lead;
    expect(first).toMatchObject({ replayed: false, recordId: 'record-1' });
    expect(retry).toMatchObject({ replayed: true, index: first!.index, recordId: 'record-1' });
    await log.close();
  });

  it('rebuilds its frontier from the stored nodes at start and continues the same tree', async () => {
    const first = await newLog();
    for (let i = 0; i < 37; i++) await first.append(note(100 + i));
    await first.close();
    const second = await newLog();
    const { size } = await storedTree();
    expect(second.size).toBe(BigInt(size));
    await second.append(note(200));
    const tree = await storedTree();
    const cp = await sql<{ tree_size: string; root_hash: Buffer }>(
      'select c.tree_size::text as tree_size, c.root_hash from ledger.checkpoint c order by c.tree_size desc limit 1',
    );
    await second.close();
    expect(tree.size).toBe(size + 1);
    // The checkpoint published at the second log's start covers the tree the first one built.
    const rootAtStart = await sql<{ root_hash: Buffer }>(
      'select root_hash from ledger.checkpoint where tree_size = $1',
      [size],
    );
    expect(rootAtStart).toHaveLength(1);
    expect(cp[0]!.tree_size).toBe(String(size));
  });

  it('stays gapless and consistent with two processes appending to one database at once', async () => {
    const [a, b] = await Promise.all([newLog(7), newLog(5)]);
    const start = (await storedTree()).size;
    const results = await Promise.all(
      Array.from({ length: 120 }, (_, i) => (i % 2 ? a : b).append(note(1000 + i))),
    );
    const indexes = results.map((r) => Number(r.index)).sort((x, y) => x - y);
    expect(indexes).toEqual(Array.from({ length: 120 }, (_, i) => start + i));
    const tree = await storedTree();
    expect(tree.size).toBe(start + 120);
    // Every stored inner node agrees with the leaves: recompute the root from both logs' view.
    const c = await newLog();
    expect(c.size).toBe(BigInt(tree.size));
    await Promise.all([a.close(), b.close(), c.close()]);
  });
});

describe('signing key rotation', () => {
  it('keeps old checkpoints verifiable under the old key while new ones are signed with the new key', async () => {
    const { formatSignerKey, verifierFromKey } = await import('@ecp/merkle/signed-note');
    const { LogAuditor } = await import('@ecp/merkle/log-audit');
    const oldLog = await newLog();
    await oldLog.append(note(5000));
    await oldLog.close();
    const rotated = logKeys(
      TEST_LEDGER_ORIGIN,
      formatSignerKey(TEST_LEDGER_ORIGIN, new Uint8Array(32).fill(9)),
      [keys.verifierKey],
    );
    expect(rotated.verifierKeys).toEqual([rotated.verifierKey, keys.verifierKey]);
    const orm = await openOrm({
      databaseUrl: db.url,
      schema: 'ledger',
      entities: LEDGER_ENTITIES,
      logger,
      poolMax: 2,
      sessionRole: LEDGER_SERVICE_ROLE,
    });
    orms.push(orm);
    const newer = new LedgerLog({
      knex: orm.em.getConnection().getKnex(),
      outbox,
      keys: rotated,
      logger,
      batchMax: 100,
      checkpointIntervalMs: 60_000,
      checkpointEveryEntries: 1,
    });
    await newer.start();
    await newer.append(note(5001));
    await newer.close();
    const notes = (await sql<{ note: string }>('select note from ledger.checkpoint order by tree_size')).map(
      (r) => r.note,
    );
    const leaves = await sql<{ canonical: Buffer; leaf_hash: Buffer }>(
      'select canonical, leaf_hash from ledger.entry order by index',
    );
    const audit = (vkeys: string[]) => {
      const auditor = new LogAuditor({
        verifiers: vkeys.map(verifierFromKey),
        origin: TEST_LEDGER_ORIGIN,
        checkpoints: notes,
      });
      for (const [i, l] of leaves.entries()) {
        auditor.push(BigInt(i), new Uint8Array(l.canonical), new Uint8Array(l.leaf_hash));
      }
      return auditor.finish();
    };
    expect(audit(rotated.verifierKeys)).toMatchObject({ ok: true, checkpointsVerified: notes.length });
    const newKeyOnly = audit([rotated.verifierKey]);
    expect(newKeyOnly.ok).toBe(false);
    expect(newKeyOnly.findings.every((f) => f.kind === 'bad-checkpoint')).toBe(true);
  });
});

describe('the database keeps the ledger append-only', () => {
  const statements = [
    "update ledger.entry set kind = 'x' where index = 0",
    'delete from ledger.entry where index = 0',
    'truncate ledger.entry cascade',
    "update ledger.tree_node set hash = '\\x00' where level = 1",
    'delete from ledger.checkpoint',
    'truncate ledger.checkpoint',
    'delete from ledger.citation',
  ];

  it('refuses UPDATE, DELETE and TRUNCATE to the service role by grants', async () => {
    for (const statement of statements) {
      await expect(sql(`set role ${LEDGER_SERVICE_ROLE}; ${statement}`), statement).rejects.toThrow(
        /permission denied/,
      );
    }
    await expect(
      sql(`set role ${LEDGER_SERVICE_ROLE}; alter table ledger.entry disable trigger entry_append_only`),
    ).rejects.toThrow(/must be owner/);
  });

  it('refuses them even to a superuser by trigger', async () => {
    for (const statement of statements) {
      await expect(sql(statement), statement).rejects.toThrow(/append-only/);
    }
    expect((await storedTree()).size).toBeGreaterThan(0);
  });

  it('lets the service role read and append', async () => {
    const rows = await sql<{ n: number }>(
      `set role ${LEDGER_SERVICE_ROLE}; select count(*)::int as n from ledger.entry`,
    );
    expect(rows[0]!.n).toBeGreaterThan(0);
    await sql(
      `set role ${LEDGER_SERVICE_ROLE}; insert into ledger.checkpoint (tree_size, root_hash, note) values (999999, '\\x${'00'.repeat(32)}', 'test')`,
    );
  });
});
