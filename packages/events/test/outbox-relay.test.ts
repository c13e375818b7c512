import { randomUUID } from 'node:crypto';
import { type MikroORM, openOrm } from '@ecp/db/orm';
import { createLogger } from '@ecp/logging/logger';
import { createTestDatabase, type TestDatabase } from '@ecp/test-kit/database';
import { testEnv } from '@ecp/test-kit/env';
import { defineEntity } from '@mikro-orm/postgresql';
import { Redis } from 'ioredis';
import pg from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type EventEnvelope, streamKey } from '../src/event';
import { EventSchemaError, Outbox } from '../src/outbox';
import { OutboxRelay } from '../src/outbox-relay';
import { defineTopic } from '../src/topic';

let db: TestDatabase;
let redis: Redis;
const prefix = `ecp:test:${randomUUID()}:`;
const logger = createLogger({ service: 'test', level: 'silent' });
const relays: OutboxRelay[] = [];

/** A topic of the test's own, refining the published envelope schema as every topic does. */
function thingsSchema(topic: string) {
  return {
    $id: `https://ecp.dev/schema/events/test-${topic}.v1.schema.json`,
    $ref: 'envelope.v1.schema.json',
    type: 'object',
    properties: {
      topic: { const: topic },
      typename: { const: 'Thing' },
      version: { const: 1 },
      key: {
        type: 'object',
        required: ['id'],
        additionalProperties: false,
        properties: { id: { type: 'string' } },
      },
      attributes: {
        type: 'object',
        required: ['n'],
        additionalProperties: false,
        properties: { n: { type: 'string', pattern: '^[0-9]+$' } },
      },
    },
  };
}
const THINGS = defineTopic(thingsSchema('things'));
const outbox = new Outbox({ schema: 'evt', topics: [THINGS] });

beforeAll(async () => {
  db = await createTestDatabase({ migrated: false });
  redis = new Redis(testEnv.redisUrl);
  await sql(`create schema evt; create table evt.outbox (id bigserial primary key, event_id uuid not null unique,
    topic text not null, payload jsonb not null, created_at timestamptz not null default clock_timestamp())`);
});

afterEach(async () => {
  await Promise.all(relays.splice(0).map((r) => r.stop()));
});

afterAll(async () => {
  const keys = await redis.keys(`${prefix}*`);
  if (keys.length) await redis.del(...keys);
  redis.disconnect();
  await db?.drop();
});

async function sql(text: string): Promise<void> {
  const client = new pg.Client({ connectionString: db.url });
  await client.connect();
  try {
    await client.query(text);
  } finally {
    await client.end();
  }
}

/** Writes events in a transaction that commits, or rolls back when `commit` is false. */
async function transaction(events: { n: number }[], commit = true): Promise<void> {
  const client = new pg.Client({ connectionString: db.url });
  await client.connect();
  try {
    await client.query('begin');
    await outbox.write(
      client,
      events.map((e) => ({ topic: THINGS, key: { id: String(e.n) }, attributes: { n: String(e.n) } })),
    );
    await client.query(commit ? 'commit' : 'rollback');
  } finally {
    await client.end();
  }
}

function relay(): OutboxRelay {
  const r = new OutboxRelay({
    databaseUrl: db.url,
    schema: 'evt',
    redis,
    streamPrefix: prefix,
    logger,
    streamMaxLength: 10_000,
    pollIntervalMs: 50,
  });
  relays.push(r);
  return r;
}

async function published(): Promise<EventEnvelope[]> {
  const entries = await redis.xrange(streamKey(prefix, 'things'), '-', '+');
  return entries.map(([, fields]) => JSON.parse(fields[1]!) as EventEnvelope);
}

async function outboxSize(): Promise<number> {
  const client = new pg.Client({ connectionString: db.url });
  await client.connect();
  try {
    return (await client.query<{ n: number }>('select count(*)::int as n from evt.outbox')).rows[0]!.n;
  } finally {
    await client.end();
  }
}

describe('outbox and relay', () => {
  it('publishes committed events in commit order and nothing from a rolled-back transaction', async () => {
    const r = relay();
    await r.start();
    await transaction([{ n: 1 }, { n: 2 }]);
    await transaction([{ n: 99 }], false);
    await transaction([{ n: 3 }]);
    await r.flush();
    const events = await published();
    expect(events.map((e) => e.key.id)).toEqual(['1', '2', '3']);
    expect(events[0]).toMatchObject({
      topic: 'things',
      typename: 'Thing',
      version: 1,
      attributes: { n: '1' },
    });
    expect(new Set(events.map((e) => e.id)).size).toBe(3);
    expect(await outboxSize()).toBe(0);
  });

  it('publishes in the order of the outbox ids, past ten and a hundred (numeric, not text, order)', async () => {
    const r = relay();
    await r.start();
    const before = (await published()).length;
    await transaction(Array.from({ length: 120 }, (_, i) => ({ n: 1000 + i })));
    await r.flush();
    const ns = (await published()).slice(before).map((e) => Number(e.key.id));
    expect(ns).toEqual(Array.from({ length: 120 }, (_, i) => 1000 + i));
  });

  it('publishes on restart what was committed while no relay ran', async () => {
    await transaction([{ n: 4 }, { n: 5 }]);
    expect(await outboxSize()).toBe(2);
    const r = relay();
    await r.start();
    await r.flush();
    expect((await published()).map((e) => e.key.id).slice(-2)).toEqual(['4', '5']);
    expect(await outboxSize()).toBe(0);
  });

  it('runs one relay at a time per schema: a second one stands by, and nothing is published twice', async () => {
    const [a, b] = [relay(), relay()];
    await Promise.all([a.start(), b.start()]);
    const before = (await published()).length;
    await Promise.all(Array.from({ length: 20 }, (_, i) => transaction([{ n: 100 + i }])));
    await Promise.all([a.flush(), b.flush()]);
    await new Promise((resolve) => setTimeout(resolve, 200));
    const events = (await published()).slice(before);
    expect(events).toHaveLength(20);
    expect(new Set(events.map((e) => e.id)).size).toBe(20);
    // The standby takes over when the active one stops.
    await a.stop();
    await b.stop();
    const c = relay();
    await c.start();
    await transaction([{ n: 200 }]);
    await c.flush();
    expect((await published()).at(-1)?.key.id).toBe('200');
  });
});

describe('the outbox inside a MikroORM transaction', () => {
  const ThingEntity = defineEntity({
    name: 'Thing',
    tableName: 'thing',
    properties: (p) => ({ id: p.text().primary(), n: p.integer() }),
  });
  let orm: MikroORM;

  beforeAll(async () => {
    await sql('create table evt.thing (id text primary key, n integer not null)');
    orm = await openOrm({ databaseUrl: db.url, schema: 'evt', entities: [ThingEntity], logger, poolMax: 2 });
  });

  afterAll(async () => {
    await orm?.close(true);
  });

  async function things(): Promise<string[]> {
    const rows = await orm.em.fork().getConnection().execute('select id from evt.thing order by id');
    return (rows as { id: string }[]).map((r) => r.id);
  }

  it('commits the change and its event together, or neither', async () => {
    const r = relay();
    await r.start();
    const before = (await published()).length;
    await orm.em.fork().transactional(async (tx) => {
      tx.create(ThingEntity, { id: 'orm-1', n: 1 });
      await tx.flush();
      await outbox.write(tx, [{ topic: THINGS, key: { id: 'orm-1' }, attributes: { n: '1' } }]);
    });
    await expect(
      orm.em.fork().transactional(async (tx) => {
        tx.create(ThingEntity, { id: 'orm-2', n: 2 });
        await tx.flush();
        await outbox.write(tx, [{ topic: THINGS, key: { id: 'orm-2' }, attributes: { n: '2' } }]);
        throw new Error('the change fails after its event was written');
      }),
    ).rejects.toThrow(/the change fails/);
    await r.flush();
    expect((await published()).slice(before).map((e) => e.key.id)).toEqual(['orm-1']);
    expect(await things()).toEqual(['orm-1']);
  });

  it('refuses an event that fails its topic’s schema, or a topic not declared, failing the transaction', async () => {
    const attempt = (event: Parameters<Outbox['write']>[1][number], id: string) =>
      orm.em.fork().transactional(async (tx) => {
        tx.create(ThingEntity, { id, n: 3 });
        await tx.flush();
        await outbox.write(tx, [event]);
      });
    const bad = attempt({ topic: THINGS, key: { id: 'x' }, attributes: { n: 'three' } }, 'bad-1');
    await expect(bad).rejects.toBeInstanceOf(EventSchemaError);
    await expect(bad).rejects.toMatchObject({
      problems: [{ path: '/attributes/n', reason: expect.any(String) }],
    });
    const other = defineTopic(thingsSchema('others'));
    await expect(attempt({ topic: other, key: { id: 'x' } }, 'bad-2')).rejects.toThrow(
      /not a topic this subgraph declares/,
    );
    await expect(attempt({ topic: THINGS, key: {}, attributes: { n: '1' } }, 'bad-3')).rejects.toThrow(/key/);
    expect(await things()).not.toContain('bad-1');
    expect(await things()).not.toContain('bad-3');
    // Outside a transaction the event could commit without its change: refused.
    await expect(
      outbox.write(orm.em.fork(), [{ topic: THINGS, key: { id: 'y' }, attributes: { n: '1' } }]),
    ).rejects.toThrow(/inside em.transactional/);
  });
});
