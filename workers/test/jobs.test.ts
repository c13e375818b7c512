import { JobProducer } from '@ecp/jobs/job-producer';
import { createTestDatabase, type TestDatabase } from '@ecp/test-kit/database';
import { testEnv } from '@ecp/test-kit/env';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cleanRedis, createProbeTables, eventually, startHost, testPrefixes } from './fixtures/probe-host';
import { probeWork, tickJob } from './fixtures/probe-work';

let db: TestDatabase;
let redis: Redis;
const prefixes = testPrefixes();

beforeAll(async () => {
  db = await createTestDatabase();
  await createProbeTables(db.url);
  redis = new Redis(testEnv.redisUrl, { maxRetriesPerRequest: null });
});

afterAll(async () => {
  await cleanRedis(redis, prefixes);
  redis.disconnect();
  await db?.drop();
});

async function ticks(): Promise<string[]> {
  const client = new pg.Client({ connectionString: db.url });
  await client.connect();
  const { rows } = await client.query<{ label: string }>('select label from advisory.probe_tick order by n');
  await client.end();
  return rows.map((r) => r.label);
}

describe('jobs hosted by the workers', () => {
  it('refuses data that fails the job schema where it is enqueued, and fails such data in the queue without retrying', async () => {
    const host = await startHost(probeWork(), { databaseUrl: db.url, ...prefixes });
    const producer = new JobProducer(redis, prefixes.queuePrefix);
    try {
      await expect(producer.enqueue(tickJob, { label: '' })).rejects.toMatchObject({
        code: 'BAD_USER_INPUT',
        message: expect.stringMatching(/label/),
      });
      // Data that got into the queue some other way (an older producer) fails at once, without retries.
      const queue = new Queue(tickJob.queue, { connection: redis, prefix: prefixes.queuePrefix });
      const job = await queue.add(tickJob.queue, { label: 42 }, { attempts: 3 });
      await eventually(
        () => job.getState(),
        (s) => s === 'failed',
      );
      const failed = await queue.getJob(job.id!);
      expect(failed?.attemptsMade).toBe(1);
      expect(failed?.failedReason).toMatch(/job data refused: label/);
      await queue.close();
      expect(await ticks()).toEqual([]);
    } finally {
      await producer.close();
      await host.stop();
    }
  });

  it('runs a delayed job when its time comes: tests bring the time forward with changeDelay(0), never a sleep', async () => {
    const host = await startHost(probeWork(), { databaseUrl: db.url, ...prefixes });
    const producer = new JobProducer(redis, prefixes.queuePrefix);
    try {
      const job = await producer.enqueue(
        tickJob,
        { label: 'timer' },
        { delayMs: 3_600_000, jobId: 'timer-1' },
      );
      expect(await job.getState()).toBe('delayed');
      // The same id again is the same timer, not a second one.
      await producer.enqueue(tickJob, { label: 'timer' }, { delayMs: 3_600_000, jobId: 'timer-1' });
      expect(await producer.queue(tickJob.queue).getDelayedCount()).toBe(1);
      await job.changeDelay(0);
      expect(await eventually(ticks, (t) => t.includes('timer'))).toEqual(['timer']);
      expect(await job.getState()).toBe('completed');
    } finally {
      await producer.close();
      await host.stop();
    }
  });

  it('upserts a job scheduler idempotently: two starts (or two replicas) keep one schedule', async () => {
    const first = await startHost(probeWork({ scheduled: true }), { databaseUrl: db.url, ...prefixes });
    const second = await startHost(probeWork({ scheduled: true }), { databaseUrl: db.url, ...prefixes });
    try {
      const queue = new Queue(tickJob.queue, { connection: redis, prefix: prefixes.queuePrefix });
      const schedulers = await queue.getJobSchedulers();
      expect(schedulers.map((s) => ({ key: s.key, every: Number(s.every) }))).toEqual([
        { key: 'probe-tick-every-hour', every: 3_600_000 },
      ]);
      await queue.close();
    } finally {
      await second.stop();
      await first.stop();
    }
  });
});
