import { randomUUID } from 'node:crypto';
import { createLogger } from '@ecp/logging/logger';
import { createTestDatabase, type TestDatabase } from '@ecp/test-kit/database';
import { testEnv } from '@ecp/test-kit/env';
import { Redis } from 'ioredis';
import pg from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type EventEnvelope, streamKey } from '../src/event';
import { writeOutbox } from '../src/outbox';
import { OutboxRelay } from '../src/outbox-relay';

let db: TestDatabase;
let redis: Redis;
const prefix = `ecp:test:${randomUUID()}:`;
const logger = createLogger({ service: 'test', level: 'silent' });
const relays: OutboxRelay[] = [];

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
    await writeOutbox(
      client,
      'evt',
      events.map((e) => ({
        topic: 'things',
        typename: 'Thing',
        key: { id: String(e.n) },
        attributes: { n: String(e.n) },
      })),
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
