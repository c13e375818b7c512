import { randomUUID } from 'node:crypto';
import { createLogger } from '@ecp/logging/logger';
import envelopeSchema from '@ecp/schema/events/envelope.v1.schema.json' with { type: 'json' };
import { type StopTelemetry, startTelemetry } from '@ecp/telemetry/telemetry';
import { currentTraceparent, withTraceparent } from '@ecp/telemetry/trace-context';
import { createTestDatabase, type TestDatabase } from '@ecp/test-kit/database';
import { testEnv } from '@ecp/test-kit/env';
import { type OtlpReceiver, startOtlpReceiver } from '@ecp/test-kit/otlp-receiver';
import { Redis } from 'ioredis';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type EventEnvelope, streamKey } from '../src/event';
import { Outbox, type OutboxEvent } from '../src/outbox';
import { OutboxRelay } from '../src/outbox-relay';
import { defineTopic } from '../src/topic';

/**
 * An event carries the trace of the request that caused it, from the outbox through the relay to
 * Redis, so that the job a consumer makes of it continues that trace.
 */
const TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';
const REQUEST = `00-${TRACE}-00f067aa0ba902b7-01`;

let db: TestDatabase;
let redis: Redis;
let receiver: OtlpReceiver;
let stop: StopTelemetry;
const prefix = `ecp:test:${randomUUID()}:`;
const TOPIC = defineTopic({
  $id: 'https://ecp.dev/schema/events/test-traced.v1.schema.json',
  $ref: 'envelope.v1.schema.json',
  type: 'object',
  properties: {
    topic: { const: 'traced' },
    typename: { const: 'Thing' },
    version: { const: 1 },
    key: { type: 'object', required: ['id'], properties: { id: { type: 'string' } } },
  },
});
const outbox = new Outbox({ schema: 'evt', topics: [TOPIC] });

beforeAll(async () => {
  receiver = await startOtlpReceiver();
  stop = await startTelemetry({ service: 'events-test', env: { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url } });
  db = await createTestDatabase({ migrated: false });
  redis = new Redis(testEnv.redisUrl);
  await inTransaction(async (client) => {
    await client.query(`create schema evt; create table evt.outbox (id bigserial primary key,
      event_id uuid not null unique, topic text not null, payload jsonb not null,
      created_at timestamptz not null default clock_timestamp())`);
  });
});

afterAll(async () => {
  const keys = await redis?.keys(`${prefix}*`);
  if (keys?.length) await redis.del(...keys);
  redis?.disconnect();
  await db?.drop();
  await stop?.();
  await receiver?.close();
});

async function inTransaction<T>(fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: db.url });
  await client.connect();
  try {
    await client.query('begin');
    const result = await fn(client);
    await client.query('commit');
    return result;
  } finally {
    await client.end();
  }
}

const write = (event: Partial<OutboxEvent> = {}) =>
  inTransaction((client) => outbox.write(client, [{ topic: TOPIC, key: { id: randomUUID() }, ...event }]));

describe('the trace of an event', () => {
  it('is the traceparent of the span active where it was written, and reaches the stream with it', async () => {
    let during: string | undefined;
    const [written] = await withTraceparent(REQUEST, 'request', {}, async () => {
      during = currentTraceparent();
      return write();
    });
    expect(written!.trace).toBe(during);
    expect(written!.trace).toMatch(new RegExp(envelopeSchema.properties.trace.pattern));
    expect(written!.trace).toContain(TRACE);

    const relay = new OutboxRelay({
      databaseUrl: db.url,
      schema: 'evt',
      redis,
      streamPrefix: prefix,
      logger: createLogger({ service: 'test', level: 'silent' }),
      streamMaxLength: 1000,
      pollIntervalMs: 50,
    });
    await relay.start();
    try {
      await relay.flush();
    } finally {
      await relay.stop();
    }
    const entries = await redis.xrange(streamKey(prefix, 'traced'), '-', '+');
    const published = entries.map(([, fields]) => JSON.parse(fields[1]!) as EventEnvelope);
    expect(published.find((e) => e.id === written!.id)?.trace).toBe(written!.trace);
  });

  it('is the one the writer gives, when it batches the work of many requests', async () => {
    const [written] = await withTraceparent(REQUEST, 'batch', {}, () =>
      write({ trace: `00-${'1'.repeat(32)}-${'2'.repeat(16)}-01` }),
    );
    expect(written!.trace).toBe(`00-${'1'.repeat(32)}-${'2'.repeat(16)}-01`);
  });

  it('is absent when nothing traced caused the event', async () => {
    const [written] = await write();
    expect(written).not.toHaveProperty('trace');
  });
});
