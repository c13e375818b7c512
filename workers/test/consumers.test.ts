import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { streamKey } from '@ecp/events/event';
import { consumerStatus, replayConsumer, retryFailedEvents } from '@ecp/jobs/consumer-registry';
import { consumerJobId, consumerQueueName } from '@ecp/jobs/job-options';
import { REPO_ROOT } from '@ecp/platform/repo';
import { createTestDatabase, type TestDatabase } from '@ecp/test-kit/database';
import { childEnv, testEnv } from '@ecp/test-kit/env';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  cleanRedis,
  createProbeTables,
  eventually,
  type ProbeHost,
  startHost,
  startRelay,
  testPrefixes,
} from './fixtures/probe-host';
import { effects, fixed, PROBE_CONSUMER, probeWork, writeProbes } from './fixtures/probe-work';

let db: TestDatabase;
let redis: Redis;
let prefixes: ReturnType<typeof testPrefixes>;
let stopRelay: () => Promise<void>;
let running: ProbeHost | undefined;

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
  const client = await import('pg').then((pg) => new pg.default.Client({ connectionString: db.url }));
  await client.connect();
  await client.query(
    'drop table if exists advisory.probe_effect, advisory.probe_tick; truncate advisory.processed_event, advisory.outbox',
  );
  await client.end();
  await createProbeTables(db.url);
  stopRelay = await startRelay(db.url, testEnv.redisUrl, prefixes.streamPrefix);
});

afterEach(async () => {
  await running?.stop();
  running = undefined;
  await stopRelay();
  await cleanRedis(redis, prefixes);
});

const start = async () => {
  running = await startHost(probeWork(), { databaseUrl: db.url, ...prefixes });
  return running;
};

const metric = async (host: ProbeHost, name: string, labels: string) => {
  const text = await host.registry.metrics();
  return text
    .split('\n')
    .filter((l) => l.startsWith(`${name}{`) && l.includes(labels))
    .reduce((sum, l) => sum + Number(l.split(' ').pop()), 0);
};

describe('a durable consumer', () => {
  it('turns each committed event into one effect, in order per key', async () => {
    await start();
    const events = Array.from({ length: 60 }, (_, i) => ({ probe: `p${i % 6}`, seq: i }));
    await writeProbes(db.url, events.slice(0, 30));
    await writeProbes(db.url, events.slice(30));
    const rows = await eventually(
      () => effects(db.url),
      (r) => r.length >= 60,
    );
    expect(rows).toHaveLength(60);
    expect(new Set(rows.map((r) => r.event_id)).size).toBe(60);
    for (let p = 0; p < 6; p++) {
      const seqs = rows.filter((r) => r.probe === `p${p}`).map((r) => r.seq);
      expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
    }
    const status = await consumerStatus(redis, prefixes.queuePrefix, PROBE_CONSUMER);
    expect(status.positions[0]).toMatchObject({ undelivered: 0, behindMs: 0 });
    expect(await metric(running!, 'ecp_consumer_applied_total', PROBE_CONSUMER)).toBe(60);
    expect(await running!.registry.metrics()).toMatch(
      /ecp_consumer_lag_seconds_count\{consumer="advisory.probe-effects"[^}]*\} 60/,
    );
  });

  it('applies a redelivered event once: the same job id is not queued twice, and a second job finds it applied', async () => {
    const host = await start();
    await writeProbes(db.url, [{ probe: 'r', seq: 1 }]);
    const [row] = await eventually(
      () => effects(db.url),
      (r) => r.length === 1,
    );
    const stream = streamKey(prefixes.streamPrefix, 'probeChanged');
    const fields = (await redis.xrange(stream, '-', '+'))[0]?.[1] ?? [];
    // The relay publishes at least once: the same envelope arrives again.
    await redis.xadd(stream, '*', 'event', fields[1]!);
    // And a job for it under another id (as after a replay) also finds it applied.
    const event = JSON.parse(fields[1]!);
    const queue = new Queue(consumerQueueName(PROBE_CONSUMER, 0), {
      connection: redis,
      prefix: prefixes.queuePrefix,
    });
    await queue.add(
      'probeChanged',
      { stream, events: [{ streamId: '0-1', event }] },
      { jobId: `manual.${randomUUID()}` },
    );
    await eventually(
      () => metric(host, 'ecp_consumer_duplicates_total', PROBE_CONSUMER),
      (n) => n >= 1,
    );
    await eventually(
      () => metric(host, 'ecp_consumer_enqueued_total', PROBE_CONSUMER),
      (n) => n >= 2,
    );
    expect(await effects(db.url)).toEqual([row]);
    await queue.close();
    const jobId = consumerJobId(PROBE_CONSUMER, 0, row!.event_id);
    expect(jobId).toBe(`${PROBE_CONSUMER}.e0.${row!.event_id}`);
  });

  it('catches up from where it stopped: 1,000 events written while it was down, applied in order per key', async () => {
    let host = await start();
    await writeProbes(db.url, [{ probe: 'warm', seq: 0 }]);
    await eventually(
      () => effects(db.url),
      (r) => r.length === 1,
    );
    await host.stop();
    running = undefined;
    const events = Array.from({ length: 1000 }, (_, i) => ({ probe: `k${i % 25}`, seq: i + 1 }));
    for (let i = 0; i < 1000; i += 100) await writeProbes(db.url, events.slice(i, i + 100));
    const behind = await eventually(
      () => consumerStatus(redis, prefixes.queuePrefix, PROBE_CONSUMER),
      (s) => (s.positions[0]?.undelivered ?? 0) >= 1000,
    );
    expect(behind.positions[0]?.behindMs).toBeGreaterThan(0);
    host = await start();
    const rows = await eventually(
      () => effects(db.url),
      (r) => r.length >= 1001,
      60_000,
    );
    expect(rows).toHaveLength(1001);
    expect(new Set(rows.map((r) => r.event_id)).size).toBe(1001);
    for (let k = 0; k < 25; k++) {
      const seqs = rows.filter((r) => r.probe === `k${k}`).map((r) => r.seq);
      expect(seqs).toHaveLength(40);
      expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
    }
  });

  it('retries a failing event with backoff; one that keeps failing is counted, waits for an operator, and blocks nothing behind it', async () => {
    const host = await start();
    await writeProbes(db.url, [
      { probe: 'flaky', seq: 1, mode: 'fail-first' },
      { probe: 'broken', seq: 1, mode: 'fail-until-fixed' },
      { probe: 'broken', seq: 2 },
      { probe: 'fine', seq: 1 },
    ]);
    await eventually(
      () => metric(host, 'ecp_consumer_failed_total', PROBE_CONSUMER),
      (n) => n === 1,
    );
    const rows = await eventually(
      () => effects(db.url),
      (r) => r.length === 3,
    );
    expect(rows.map((r) => `${r.probe}:${r.seq}`).sort()).toEqual(['broken:2', 'fine:1', 'flaky:1']);
    expect(await metric(host, 'ecp_jobs_failed_total', 'final="false"')).toBeGreaterThanOrEqual(3);
    const status = await consumerStatus(redis, prefixes.queuePrefix, PROBE_CONSUMER);
    expect(status.jobs.failed).toBe(1);
    // The operator mends the cause and retries it.
    fixed.add('broken');
    expect(await retryFailedEvents(redis, prefixes.queuePrefix, PROBE_CONSUMER)).toBe(1);
    const after = await eventually(
      () => effects(db.url),
      (r) => r.length === 4,
    );
    expect(
      after
        .filter((r) => r.probe === 'broken')
        .map((r) => r.seq)
        .sort(),
    ).toEqual([1, 2]);
  });

  it('fails an event that breaks its topic schema at once, without retrying, and counts it', async () => {
    const host = await start();
    const stream = streamKey(prefixes.streamPrefix, 'probeChanged');
    const bad = {
      id: randomUUID(),
      topic: 'probeChanged',
      typename: 'Probe',
      key: { id: 'x' },
      attributes: { seq: 'not a number' },
      version: 1,
      occurredAt: new Date().toISOString(),
    };
    await redis.xadd(stream, '*', 'event', JSON.stringify(bad));
    await redis.xadd(stream, '*', 'event', '{not json');
    await eventually(
      () => metric(host, 'ecp_consumer_failed_total', PROBE_CONSUMER),
      (n) => n === 2,
    );
    expect(await metric(host, 'ecp_jobs_failed_total', 'final="false"')).toBe(0);
    const queues = Array.from(
      { length: 4 },
      (_, p) =>
        new Queue(consumerQueueName(PROBE_CONSUMER, p), { connection: redis, prefix: prefixes.queuePrefix }),
    );
    const failed = (await Promise.all(queues.map((q) => q.getFailed()))).flat();
    expect(failed.map((j) => j.attemptsMade)).toEqual([1, 1]);
    expect(failed.map((j) => j.failedReason).join('\n')).toMatch(/\/attributes\/seq must match pattern/);
    expect(failed.map((j) => j.failedReason).join('\n')).toMatch(/is not a JSON event/);
    await Promise.all(queues.map((q) => q.close()));
    expect(await effects(db.url)).toEqual([]);
  });

  it('replays from a stream id: events are queued again, effects already there are not applied twice', async () => {
    const host = await start();
    await writeProbes(
      db.url,
      [1, 2, 3].map((seq) => ({ probe: 'rp', seq })),
    );
    await eventually(
      () => effects(db.url),
      (r) => r.length === 3,
    );
    const stream = streamKey(prefixes.streamPrefix, 'probeChanged');
    const ids = (await redis.xrange(stream, '-', '+')).map(([id]) => id);
    // An operator restores a backup that lacks the last two effects, then replays from the second event.
    const pg = await import('pg');
    const client = new pg.default.Client({ connectionString: db.url });
    await client.connect();
    await client.query(
      'delete from advisory.processed_event where event_id in (select event_id from advisory.probe_effect where seq = 3); delete from advisory.probe_effect where seq = 3',
    );
    await client.end();
    await expect(replayConsumer(redis, prefixes.queuePrefix, PROBE_CONSUMER, 'nonsense')).rejects.toThrow(
      /not a stream id/,
    );
    expect(await replayConsumer(redis, prefixes.queuePrefix, PROBE_CONSUMER, ids[1]!)).toMatchObject({
      epoch: 1,
    });
    const rows = await eventually(
      () => effects(db.url),
      (r) => r.length === 3 && r.some((x) => x.seq === 3),
    );
    expect(rows.map((r) => r.seq).sort()).toEqual([1, 2, 3]);
    await eventually(
      () => metric(host, 'ecp_consumer_duplicates_total', PROBE_CONSUMER),
      (n) => n === 1,
    );
    expect((await consumerStatus(redis, prefixes.queuePrefix, PROBE_CONSUMER)).epoch).toBe(1);
  });

  it('is shown by `ecp events` with its position, and replayed and retried from it', async () => {
    await start();
    await writeProbes(
      db.url,
      [1, 2].map((seq) => ({ probe: 'cli', seq })),
    );
    await eventually(
      () => effects(db.url),
      (r) => r.length === 2,
    );
    const ecp = (...args: string[]) =>
      promisify(execFile)(
        process.execPath,
        [
          join(REPO_ROOT, 'packages/cli/bin/ecp.js'),
          'events',
          ...args,
          '--redis',
          testEnv.redisUrl,
          '--queue-prefix',
          prefixes.queuePrefix,
        ],
        {
          cwd: REPO_ROOT,
          env: childEnv(),
        },
      );
    const stream = streamKey(prefixes.streamPrefix, 'probeChanged');
    const ids = (await redis.xrange(stream, '-', '+')).map(([id]) => id);
    const table = (await ecp()).stdout;
    expect(table).toMatch(
      new RegExp(`^${PROBE_CONSUMER.replaceAll('.', '\\.')}\\s+probeChanged\\s+${ids[1]}\\s+0\\s+0 ms`, 'm'),
    );
    const json = JSON.parse((await ecp('--json')).stdout);
    expect(json[0]).toMatchObject({
      name: PROBE_CONSUMER,
      positions: [{ lastDeliveredId: ids[1], undelivered: 0 }],
    });
    expect((await ecp('replay', PROBE_CONSUMER, '--from', ids[0]!)).stdout).toMatch(/replays .* \(epoch 1\)/);
    await eventually(
      () => metric(running!, 'ecp_consumer_duplicates_total', PROBE_CONSUMER),
      (n) => n === 2,
    );
    expect(await effects(db.url)).toHaveLength(2);
    expect((await ecp('retry', PROBE_CONSUMER)).stdout).toMatch(
      /^0 failed events of advisory\.probe-effects queued again/,
    );
    await expect(ecp('replay', 'nobody.here', '--from', '0')).rejects.toMatchObject({
      stderr: expect.stringMatching(/No consumer named nobody\.here \(known: advisory\.probe-effects\)/),
    });
  });

  it('says when its stream was trimmed past its position before it read those events', async () => {
    const host = await start();
    await writeProbes(db.url, [{ probe: 'early', seq: 0 }]);
    await eventually(
      () => effects(db.url),
      (r) => r.length === 1,
    );
    await host.stop();
    running = undefined;
    expect(
      (await consumerStatus(redis, prefixes.queuePrefix, PROBE_CONSUMER)).positions[0]?.trimmedUnread,
    ).toBe(false);
    await writeProbes(
      db.url,
      Array.from({ length: 50 }, (_, i) => ({ probe: 'late', seq: i + 1 })),
    );
    const stream = streamKey(prefixes.streamPrefix, 'probeChanged');
    await eventually(
      () => redis.xlen(stream),
      (n) => n === 51,
    );
    // As the relay's MAXLEN would, with too short a stream for how long the consumer was away.
    await redis.xtrim(stream, 'MAXLEN', 10);
    const status = await consumerStatus(redis, prefixes.queuePrefix, PROBE_CONSUMER);
    expect(status.positions[0]).toMatchObject({ trimmedUnread: true, undelivered: 10 });
    const { stdout } = await promisify(execFile)(
      process.execPath,
      [
        join(REPO_ROOT, 'packages/cli/bin/ecp.js'),
        'events',
        '--redis',
        testEnv.redisUrl,
        '--queue-prefix',
        prefixes.queuePrefix,
      ],
      { cwd: REPO_ROOT, env: childEnv() },
    );
    expect(stdout).toMatch(
      /advisory\.probe-effects: probeChanged was trimmed past its position .* their effects are missing/,
    );
  });
});
