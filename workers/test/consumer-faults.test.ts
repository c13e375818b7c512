import type { ChildProcess } from 'node:child_process';
import { consumerStatus } from '@ecp/jobs/consumer-registry';
import { createTestDatabase, type TestDatabase } from '@ecp/test-kit/database';
import { testEnv } from '@ecp/test-kit/env';
import { Redis } from 'ioredis';
import pg from 'pg';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { entityKey, partitionOf } from '../src/consumers/partition';
import { cleanRedis, createProbeTables, eventually, startRelay, testPrefixes } from './fixtures/probe-host';
import { effects, PROBE_CONSUMER, writeProbes } from './fixtures/probe-work';
import { OwnRedis, startWorkerProcess, stopProcess } from './fixtures/processes';

/**
 * Faults against real processes, PostgreSQL and Redis: a worker killed mid-job, two workers sharing a
 * consumer, and Redis crashing while events flow. Each leaves every effect exactly once.
 */
let db: TestDatabase;
let redis: Redis;
let prefixes: ReturnType<typeof testPrefixes>;
let stopRelay: (() => Promise<void>) | undefined;
const children: ChildProcess[] = [];

beforeAll(async () => {
  db = await createTestDatabase();
  redis = new Redis(testEnv.redisUrl);
});

afterAll(async () => {
  redis.disconnect();
  await db?.drop();
});

beforeEach(async () => {
  prefixes = testPrefixes();
  const client = new pg.Client({ connectionString: db.url });
  await client.connect();
  await client.query(
    'drop table if exists advisory.probe_effect, advisory.probe_tick; truncate advisory.processed_event, advisory.outbox',
  );
  await client.end();
  await createProbeTables(db.url);
});

afterEach(async () => {
  await Promise.all(children.splice(0).map((c) => stopProcess(c, 'SIGKILL')));
  await stopRelay?.();
  stopRelay = undefined;
  await cleanRedis(redis, prefixes);
});

function worker(name: string, redisUrl: string, slowMs = 60_000): Promise<ChildProcess> {
  return startWorkerProcess({
    DATABASE_URL: db.url,
    REDIS_URL: redisUrl,
    STREAM_PREFIX: prefixes.streamPrefix,
    QUEUE_PREFIX: prefixes.queuePrefix,
    PROBE_WORKER: name,
    PROBE_SLOW_MS: String(slowMs),
  }).then((c) => {
    children.push(c);
    return c;
  });
}

function assertOncePerEventInOrder(rows: Awaited<ReturnType<typeof effects>>, expected: number): void {
  expect(rows).toHaveLength(expected);
  expect(new Set(rows.map((r) => r.event_id)).size).toBe(expected);
  const byProbe = new Map<string, number[]>();
  for (const r of rows) byProbe.set(r.probe, [...(byProbe.get(r.probe) ?? []), r.seq]);
  for (const [probe, seqs] of byProbe) expect(seqs, probe).toEqual([...seqs].sort((a, b) => a - b));
}

describe('consumers under faults', () => {
  it('a worker killed with SIGKILL in the middle of a job: after a restart the effect exists exactly once', {
    timeout: 90_000,
  }, async () => {
    stopRelay = await startRelay(db.url, testEnv.redisUrl, prefixes.streamPrefix);
    const first = await worker('first', testEnv.redisUrl);
    // Two probes on different partitions, so that the other one is not queued behind the victim.
    const partition = (id: string) => partitionOf(entityKey({ typename: 'Probe', key: { id } } as never), 4);
    const other =
      ['o1', 'o2', 'o3', 'o4', 'o5', 'o6'].find((id) => partition(id) !== partition('victim')) ?? 'o1';
    await writeProbes(db.url, [
      { probe: 'victim', seq: 1, mode: 'slow' },
      { probe: other, seq: 1 },
    ]);
    // The slow job has written its effect in a transaction that has not committed when the kill comes.
    await eventually(
      () => effects(db.url),
      (r) => r.length === 1,
    );
    await eventually(
      () => consumerStatus(redis, prefixes.queuePrefix, PROBE_CONSUMER),
      (s) => s.jobs.active === 1,
    );
    await stopProcess(first, 'SIGKILL');
    expect((await effects(db.url)).map((r) => r.probe)).toEqual([other]);
    await worker('second', testEnv.redisUrl, 10);
    const rows = await eventually(
      () => effects(db.url),
      (r) => r.length >= 2,
      30_000,
    );
    expect(rows.map((r) => `${r.probe}@${r.worker}`).sort()).toEqual([`${other}@first`, 'victim@second']);
    await eventually(
      () => consumerStatus(redis, prefixes.queuePrefix, PROBE_CONSUMER),
      (s) => s.jobs.active === 0 && s.jobs.waiting === 0,
    );
    expect(await effects(db.url)).toHaveLength(2);
  });

  it('two worker processes share a consumer: every effect once, in order per key', {
    timeout: 120_000,
  }, async () => {
    stopRelay = await startRelay(db.url, testEnv.redisUrl, prefixes.streamPrefix);
    // Each effect takes a few milliseconds, and events come in bursts; which process takes a burst is
    // up to Redis, so bursts go on (2,000 events at least) until both processes have applied some.
    await Promise.all([worker('a', testEnv.redisUrl, 3), worker('b', testEnv.redisUrl, 3)]);
    let written = 0;
    const seen = async () => new Set((await effects(db.url)).map((r) => r.worker));
    while (written < 2000 || (await seen()).size < 2) {
      if (written >= 8000) break;
      await writeProbes(
        db.url,
        Array.from({ length: 100 }, (_, i) => ({
          probe: `k${(written + i) % 40}`,
          seq: written + i,
          mode: 'slow',
        })),
      );
      written += 100;
      await new Promise((r) => setTimeout(r, 100));
    }
    const rows = await eventually(
      () => effects(db.url),
      (r) => r.length >= written,
      90_000,
    );
    assertOncePerEventInOrder(rows, written);
    const byWorker = new Set(rows.map((r) => r.worker));
    expect(byWorker).toEqual(new Set(['a', 'b']));
  });

  it('Redis crashing while events flow loses nothing committed, and consumers resume', {
    timeout: 150_000,
  }, async () => {
    const own = new OwnRedis();
    await own.start();
    try {
      stopRelay = await startRelay(db.url, own.url, prefixes.streamPrefix);
      await worker('steady', own.url, 10);
      let written = 0;
      const write = async (batches: number) => {
        for (let b = 0; b < batches; b++) {
          await writeProbes(
            db.url,
            Array.from({ length: 50 }, (_, i) => ({ probe: `k${(written + i) % 10}`, seq: written + i })),
          );
          written += 50;
        }
      };
      await write(6);
      await own.crash();
      await write(4); // committed while Redis is down: they wait in the outbox
      await own.start();
      await write(6);
      const rows = await eventually(
        () => effects(db.url),
        (r) => r.length >= 800,
        90_000,
      );
      assertOncePerEventInOrder(rows, 800);
    } finally {
      await Promise.all(children.splice(0).map((c) => stopProcess(c, 'SIGKILL')));
      await stopRelay?.();
      stopRelay = undefined;
      await own.stop();
    }
  });
});
