import { newId } from '@ecp/db/ids';
import { JobProducer } from '@ecp/jobs/job-producer';
import { testEnv } from '@ecp/test-kit/env';
import { type SubgraphUnderTest, startSubgraph } from '@ecp/test-kit/subgraph';
import { Queue, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AlertWrite } from '../src/modules/alerts/alert-sink';
import { listQueueNames } from '../src/modules/queues/queue-state';
import { watchQueues } from '../src/modules/queues/queue-watch';
import type { OperationsRuntime } from '../src/runtime';
import { operationsSettings } from '../src/settings';
import { operationsSubgraph } from '../src/subgraph';

/** The queue watch on real BullMQ queues under a prefix of this test's own. */
let sg: SubgraphUnderTest;
let redis: Redis;
let producer: JobProducer;
const prefix = `ecp:test:${newId()}:q`;
let clock = new Date();

beforeAll(async () => {
  sg = await startSubgraph(() => operationsSubgraph({ redisUrl: testEnv.redisUrl, queuePrefix: prefix }));
  redis = new Redis(testEnv.redisUrl, { maxRetriesPerRequest: null });
  producer = new JobProducer(redis, prefix);
});

afterAll(async () => {
  await producer?.close();
  await sg?.stop();
  const keys = await redis.keys(`${prefix}*`);
  if (keys.length) await redis.del(...keys);
  redis.disconnect();
});

const runtime = (): OperationsRuntime => ({
  jobs: producer,
  settings: operationsSettings({}),
  now: () => clock,
});
const watch = (threshold = 1000) =>
  sg.em().transactional((tx) =>
    watchQueues({ tx, outbox: sg.built.platform.outbox!, runtime: runtime() } satisfies AlertWrite, {
      redis,
      prefix,
      threshold,
    }),
  );
const alertOf = async (queue: string) =>
  (
    (await sg
      .em()
      .getConnection()
      .execute(
        "select status, value from operations.alert where rule = 'queue-backing-up' and labels->>'queue' = ?",
        [queue],
      )) as { status: string; value: number }[]
  )[0] ?? null;

describe('operations.watch-queues', () => {
  it('fires for a queue with more jobs waiting than the threshold, and resolves once it drains', async () => {
    const busy = new Queue('operations.test-busy', { connection: redis, prefix });
    const calm = new Queue('operations.test-calm', { connection: redis, prefix });
    await busy.addBulk(Array.from({ length: 1001 }, (_, i) => ({ name: 'x', data: { i } })));
    await calm.addBulk(Array.from({ length: 10 }, (_, i) => ({ name: 'x', data: { i } })));
    expect(await listQueueNames(redis, prefix)).toEqual(
      expect.arrayContaining(['operations.test-busy', 'operations.test-calm']),
    );

    const verdicts = await watch();
    expect(verdicts.find((v) => v.queue === 'operations.test-busy')).toMatchObject({
      backlog: 1001,
      alert: 'FIRING',
    });
    expect(await alertOf('operations.test-busy')).toEqual({ status: 'FIRING', value: 1001 });
    expect(await alertOf('operations.test-calm')).toBeNull();

    await busy.drain();
    await watch();
    expect(await alertOf('operations.test-busy')).toMatchObject({ status: 'RESOLVED' });
    await busy.close();
    await calm.close();
  });

  it('counts delayed jobs once their time has come (by the injected clock)', async () => {
    const later = new Queue('operations.test-later', { connection: redis, prefix });
    await later.addBulk(
      Array.from({ length: 5 }, (_, i) => ({ name: 'x', data: { i }, opts: { delay: 3600_000 } })),
    );
    clock = new Date();
    await watch(3);
    expect(await alertOf('operations.test-later')).toBeNull();
    clock = new Date(Date.now() + 2 * 3600_000);
    await watch(3);
    expect(await alertOf('operations.test-later')).toEqual({ status: 'FIRING', value: 5 });
    await later.obliterate({ force: true });
    await later.close();
  });

  it('fires when failed jobs grew since the last look', async () => {
    const failing = new Queue('operations.test-failing', { connection: redis, prefix });
    await failing.add('x', {}, { attempts: 1 });
    clock = new Date();
    await watch();
    const worker = new Worker(
      'operations.test-failing',
      async () => {
        throw new Error('refused');
      },
      { connection: new Redis(testEnv.redisUrl, { maxRetriesPerRequest: null }), prefix },
    );
    await new Promise<void>((resolve) => worker.once('failed', () => resolve()));
    await worker.close();
    await watch();
    expect(await alertOf('operations.test-failing')).toMatchObject({ status: 'FIRING' });
    await watch();
    expect(await alertOf('operations.test-failing')).toMatchObject({ status: 'RESOLVED' });
    await failing.close();
  });
});
