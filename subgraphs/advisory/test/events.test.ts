import { randomUUID } from 'node:crypto';
import type { EventEnvelope } from '@ecp/events/event';
import { streamKey } from '@ecp/events/event';
import { defineTopic } from '@ecp/events/topic';
import { testEnv } from '@ecp/test-kit/env';
import { type SubgraphUnderTest, startSubgraph, testSubgraphConfig } from '@ecp/test-kit/subgraph';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { advisorySubgraph } from '../src/subgraph';

/**
 * A subgraph other than the ledger switches events on by declaring a topic, and nothing else: the
 * runtime gives it an outbox written in its own MikroORM transactions and runs the relay.
 */
const prefix = `ecp:test:${randomUUID()}:`;
const PROBES = defineTopic({
  $id: 'https://ecp.dev/schema/events/test-advisoryProbe.v1.schema.json',
  $ref: 'envelope.v1.schema.json',
  type: 'object',
  properties: {
    topic: { const: 'advisoryProbe' },
    typename: { const: 'Vote' },
    version: { const: 1 },
    key: {
      type: 'object',
      required: ['id'],
      additionalProperties: false,
      properties: { id: { type: 'string' } },
    },
    attributes: { type: 'object', additionalProperties: false, properties: {} },
  },
});
let sg: SubgraphUnderTest;
let redis: Redis;

beforeAll(async () => {
  sg = await startSubgraph(
    () => ({
      ...advisorySubgraph({ redisUrl: testEnv.redisUrl, queuePrefix: `${prefix}q` }),
      events: { topics: [PROBES] },
    }),
    (url) => ({ ...testSubgraphConfig(url), EVENT_STREAM_PREFIX: prefix }),
  );
  redis = new Redis(testEnv.redisUrl);
});

afterAll(async () => {
  await sg?.stop();
  const keys = await redis.keys(`${prefix}*`);
  if (keys.length) await redis.del(...keys);
  redis.disconnect();
});

async function published(): Promise<EventEnvelope[]> {
  const entries = await redis.xrange(streamKey(prefix, 'advisoryProbe'), '-', '+');
  return entries.map(([, fields]) => JSON.parse(fields[1]!) as EventEnvelope);
}

describe('events from the advisory subgraph', () => {
  it('publishes what its transactions write to the outbox, once they commit', async () => {
    const { outbox } = sg.built.platform;
    expect(outbox?.schema).toBe('advisory');
    const id = randomUUID();
    await sg.em().transactional(async (tx) => {
      await outbox!.write(tx, [{ topic: PROBES, key: { id } }]);
    });
    await expect(
      sg.em().transactional(async (tx) => {
        await outbox!.write(tx, [{ topic: PROBES, key: { id: 'rolled-back' } }]);
        throw new Error('rolled back');
      }),
    ).rejects.toThrow('rolled back');
    const deadline = Date.now() + 5000;
    while ((await published()).length === 0 && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 50));
    const events = await published();
    expect(events.map((e) => e.key.id)).toEqual([id]);
    expect(events[0]).toMatchObject({ topic: 'advisoryProbe', typename: 'Vote', version: 1 });
  });
});
