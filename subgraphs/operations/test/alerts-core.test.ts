import { newId } from '@ecp/db/ids';
import { JobProducer } from '@ecp/jobs/job-producer';
import { testEnv } from '@ecp/test-kit/env';
import { type SubgraphUnderTest, startSubgraph } from '@ecp/test-kit/subgraph';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ALERT_RULES } from '../src/modules/alerts/alert-rules';
import { type AlertWrite, fingerprintOf, fireAlert, resolveAlert } from '../src/modules/alerts/alert-sink';
import { DELIVER_JOB } from '../src/modules/delivery/delivery.jobs';
import { notify } from '../src/modules/delivery/notifier';
import type { OperationsRuntime } from '../src/runtime';
import { operationsSubgraph } from '../src/subgraph';

/** The alert rows and notifications every part of operations writes through. */
let sg: SubgraphUnderTest;
let redis: Redis;
let producer: JobProducer;
const prefix = `ecp:test:${newId()}:`;
let clock = new Date('2026-12-04T10:00:00Z');
let runtime: OperationsRuntime;

beforeAll(async () => {
  sg = await startSubgraph(() =>
    operationsSubgraph({ redisUrl: testEnv.redisUrl, queuePrefix: `${prefix}q` }),
  );
  redis = new Redis(testEnv.redisUrl, { maxRetriesPerRequest: null });
  producer = new JobProducer(redis, `${prefix}q`);
  runtime = { jobs: producer, settings: {} as OperationsRuntime['settings'], now: () => clock };
});

afterAll(async () => {
  await producer?.close();
  await sg?.stop();
  const keys = await redis.keys(`${prefix}*`);
  if (keys.length) await redis.del(...keys);
  redis.disconnect();
});

const write = <T>(fn: (w: AlertWrite) => Promise<T>) =>
  sg.em().transactional((tx) => fn({ tx, outbox: sg.built.platform.outbox!, runtime }));

describe('fireAlert and resolveAlert', () => {
  it('names an alert by its rule and labels, whatever their order', () => {
    expect(fingerprintOf('queue-backing-up', { queue: 'a', host: 'h' })).toBe(
      fingerprintOf('queue-backing-up', { host: 'h', queue: 'a' }),
    );
    expect(fingerprintOf('queue-backing-up', { queue: 'a' })).not.toBe(
      fingerprintOf('queue-backing-up', { queue: 'b' }),
    );
    expect(fingerprintOf('queue-backing-up', { queue: 'a' })).not.toBe(
      fingerprintOf('environment-down', { queue: 'a' }),
    );
  });

  it('deduplicates a repeat, resolves, and fires the same row again when the cause comes back', async () => {
    const labels = { environment: `env-${newId()}` };
    const first = await write((w) => fireAlert(w, { rule: 'environment-down', labels, summary: 'down 1' }));
    clock = new Date(clock.getTime() + 60_000);
    const again = await write((w) =>
      fireAlert(w, { rule: 'environment-down', labels, summary: 'down 2', value: 3 }),
    );
    expect(again.id).toBe(first.id);
    expect(again).toMatchObject({
      status: 'FIRING',
      summary: 'down 2',
      value: 3,
      severity: 'critical',
      runbook: ALERT_RULES['environment-down'].runbook,
    });
    expect(again.startsAt.getTime()).toBe(first.startsAt.getTime());
    expect(again.lastSeenAt.getTime()).toBe(clock.getTime());

    clock = new Date(clock.getTime() + 60_000);
    const resolved = await write((w) => resolveAlert(w, 'environment-down', labels));
    expect(resolved).toMatchObject({ id: first.id, status: 'RESOLVED', endsAt: clock });
    expect(await write((w) => resolveAlert(w, 'environment-down', labels))).toBeNull();

    clock = new Date(clock.getTime() + 60_000);
    const back = await write((w) => fireAlert(w, { rule: 'environment-down', labels, summary: 'down 3' }));
    expect(back).toMatchObject({ id: first.id, status: 'FIRING', endsAt: null, startsAt: clock });
    const [row] = await sg
      .em()
      .getConnection()
      .execute<{ n: string }[]>(
        "select count(*) as n from operations.alert where labels->>'environment' = ?",
        [labels.environment],
      );
    expect(Number(row?.n)).toBe(1);
  });

  it('serves two raisers of one new condition one after the other: one row', async () => {
    const labels = { queue: `q-${newId()}` };
    const both = await Promise.all([
      write((w) => fireAlert(w, { rule: 'queue-backing-up', labels, summary: 'a' })),
      write((w) => fireAlert(w, { rule: 'queue-backing-up', labels, summary: 'b' })),
    ]);
    expect(both[0].id).toBe(both[1].id);
  });
});

describe('notify', () => {
  it('writes one delivery per enabled channel and enqueues a job for each, once per key', async () => {
    const sql = sg.em().getConnection();
    const names = [`mail-${newId()}`, `slack-${newId()}`, `off-${newId()}`];
    for (const [i, name] of names.entries()) {
      await sql.execute(
        'insert into operations.channel (id, name, kind, target, enabled, created_by) values (?, ?, ?, ?, ?, ?)',
        [newId(), name, i === 1 ? 'SLACK' : 'EMAIL', 'ops@example.org', i !== 2, 'test'],
      );
    }
    const request = {
      kind: 'ALERT' as const,
      subject: 'Environment down',
      markdown: '**down**',
      channels: names,
      idempotencyKey: `k-${newId()}`,
    };
    const first = await sg.em().transactional((tx) => notify({ tx, runtime }, request));
    expect(first.replayed).toBe(false);
    expect(first.deliveryIds).toHaveLength(2);
    const queue = producer.queue(DELIVER_JOB.queue);
    for (const id of first.deliveryIds) {
      expect((await queue.getJob(`deliver-${id}`))?.data).toEqual({ deliveryId: id });
    }
    const again = await sg.em().transactional((tx) => notify({ tx, runtime }, request));
    expect(again).toEqual({ ...first, replayed: true });

    const excluded = await sg
      .em()
      .transactional((tx) =>
        notify({ tx, runtime }, { ...request, idempotencyKey: undefined, excludeChannels: [names[0]!] }),
      );
    expect(excluded.deliveryIds).toHaveLength(1);
  });
});
