import { newId } from '@ecp/db/ids';
import { type EventEnvelope, streamKey } from '@ecp/events/event';
import { createLogger } from '@ecp/logging/logger';
import {
  createServiceDirectory,
  defaultSubgraphUrls,
  subgraphUrlsOf,
} from '@ecp/service-kit/service-directory';
import { testEnv } from '@ecp/test-kit/env';
import { TEST_IDENTITY_SECRET } from '@ecp/test-kit/http';
import { ENQUEUES_NOTHING } from '@ecp/test-kit/jobs';
import { type SubgraphUnderTest, startSubgraph, testSubgraphConfig } from '@ecp/test-kit/subgraph';
import { Redis } from 'ioredis';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLOSE_DUE_POLLS_JOB, CLOSE_POLL_JOB } from '../src/modules/polls/poll.jobs';
import { advisorySubgraph } from '../src/subgraph';

/**
 * A poll's timers, run as the workers run them (their processors, against this subgraph's database):
 * the delayed job closes a poll at its time and leaves others be; the sweep closes open polls whose
 * time has passed when their timer was lost.
 */
let sg: SubgraphUnderTest;
const logger = createLogger({ service: 'test', level: 'silent' });
const services = createServiceDirectory({
  service: 'advisory',
  identitySecret: TEST_IDENTITY_SECRET,
  urls: subgraphUrlsOf(defaultSubgraphUrls()),
  registry: new Registry(),
  logger,
});

const prefix = `ecp:test:${newId()}:`;
let redis: Redis;

beforeAll(async () => {
  sg = await startSubgraph(
    () => advisorySubgraph({ redisUrl: testEnv.redisUrl, queuePrefix: `${prefix}q` }),
    (url) => ({ ...testSubgraphConfig(url), EVENT_STREAM_PREFIX: prefix }),
  );
  redis = new Redis(testEnv.redisUrl);
});

afterAll(async () => {
  await services.close();
  await sg?.stop();
  const keys = await redis.keys(`${prefix}*`);
  if (keys.length) await redis.del(...keys);
  redis.disconnect();
});

const context = () => ({
  orm: sg.built.orm,
  outbox: sg.built.platform.outbox,
  services,
  jobs: ENQUEUES_NOTHING,
  logger,
  job: { id: 'test', queue: 'test', attempt: 1 },
});

async function insertPoll(closesIn: string): Promise<string> {
  const id = newId();
  await sg
    .em()
    .getConnection()
    .execute(
      `insert into advisory.poll (id, opened_by, jurisdiction, question, options, eligible_voters, eligible_by, quorum, weighting, closes_at)
       values (?, ?, 'EU', 'q', '[{"id":"a","description":""},{"id":"b","description":""}]', ?, 'LIST', 1, 'EQUAL', now() + ?::interval)`,
      [id, newId(), `{${newId()}}`, closesIn],
    );
  return id;
}

async function pollRow(id: string) {
  const [row] = await sg
    .em()
    .getConnection()
    .execute<{ status: string; close_reason: string | null; result: { quorumMet: boolean } | null }[]>(
      'select status, close_reason, result from advisory.poll where id = ?',
      [id],
    );
  return row!;
}

/** The close events published for a poll (the relay moves them from the outbox to the stream). */
async function closeEvents(id: string): Promise<number> {
  const deadline = Date.now() + 5000;
  let found = 0;
  do {
    const entries = await redis.xrange(streamKey(prefix, 'pollUpdated'), '-', '+');
    found = entries
      .map(([, fields]) => JSON.parse(fields[1]!) as EventEnvelope)
      .filter((e) => e.key.id === id && e.attributes.change === 'CLOSED').length;
    if (found > 0) return found;
    await new Promise((r) => setTimeout(r, 50));
  } while (Date.now() < deadline);
  return found;
}

describe('poll timers', () => {
  it('close a poll at its time, once, with its result and its pollUpdated event', async () => {
    const id = await insertPoll('-1 second');
    expect(await CLOSE_POLL_JOB.process({ pollId: id }, context())).toBe('closed');
    expect(await pollRow(id)).toMatchObject({
      status: 'CLOSED',
      close_reason: 'CLOSING_TIME',
      result: { quorumMet: false },
    });
    expect(await CLOSE_POLL_JOB.process({ pollId: id }, context())).toBe('already-closed');
    expect(await closeEvents(id)).toBe(1);
  });

  it('leave a poll that is not due open, to be tried again, and ignore one that was never stored', async () => {
    const id = await insertPoll('1 hour');
    await expect(CLOSE_POLL_JOB.process({ pollId: id }, context())).rejects.toThrow('not due yet');
    expect((await pollRow(id)).status).toBe('OPEN');
    expect(await CLOSE_POLL_JOB.process({ pollId: newId() }, context())).toBe('unknown');
  });

  it('sweep: closes every open poll past its time whose timer never fired, and nothing else', async () => {
    const overdue = [await insertPoll('-5 minutes'), await insertPoll('-1 minute')];
    const later = await insertPoll('1 day');
    expect(await CLOSE_DUE_POLLS_JOB.process({}, context())).toEqual({ closed: 2 });
    for (const id of overdue) expect((await pollRow(id)).status).toBe('CLOSED');
    expect((await pollRow(later)).status).toBe('OPEN');
    expect(await CLOSE_DUE_POLLS_JOB.process({}, context())).toEqual({ closed: 0 });
  });
});
