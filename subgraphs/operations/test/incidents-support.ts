import { newId } from '@ecp/db/ids';
import { type EventEnvelope, streamKey } from '@ecp/events/event';
import type { Principal } from '@ecp/identity/principal';
import { JobProducer } from '@ecp/jobs/job-producer';
import { testEnv } from '@ecp/test-kit/env';
import { type SubgraphUnderTest, startSubgraph, testSubgraphConfig } from '@ecp/test-kit/subgraph';
import { Redis } from 'ioredis';
import type { AlertWrite } from '../src/modules/alerts/alert-sink';
import type { OperationsRuntime } from '../src/runtime';
import { type OperationsSettings, operationsSettings } from '../src/settings';
import { operationsSubgraph } from '../src/subgraph';

/**
 * The operations subgraph under test for incidents, on a clock the test moves: its requests and the
 * escalation timers the test runs read the same clock, and enqueue on real queues of a test prefix.
 */
export interface IncidentsUnderTest {
  sg: SubgraphUnderTest;
  producer: JobProducer;
  redis: Redis;
  prefix: string;
  runtime: OperationsRuntime;
  clock: { now: Date };
  /** A transaction as alerts and timers write in. */
  write<T>(fn: (w: AlertWrite) => Promise<T>): Promise<T>;
  stop(): Promise<void>;
}

export async function startIncidents(
  settings: Partial<OperationsSettings> = {},
): Promise<IncidentsUnderTest> {
  const prefix = `ecp:test:${newId()}:`;
  const clock = { now: new Date('2026-12-04T10:00:00Z') };
  const resolved = { ...operationsSettings({}), ...settings };
  const sg = await startSubgraph(
    () =>
      operationsSubgraph({
        redisUrl: testEnv.redisUrl,
        queuePrefix: `${prefix}q`,
        settings: resolved,
        now: () => clock.now,
      }),
    (url) => ({ ...testSubgraphConfig(url), EVENT_STREAM_PREFIX: prefix }),
  );
  const redis = new Redis(testEnv.redisUrl, { maxRetriesPerRequest: null });
  const producer = new JobProducer(redis, `${prefix}q`);
  const runtime: OperationsRuntime = { jobs: producer, settings: resolved, now: () => clock.now };
  return {
    sg,
    producer,
    redis,
    prefix,
    runtime,
    clock,
    write: (fn) => sg.em().transactional((tx) => fn({ tx, outbox: sg.built.platform.outbox!, runtime })),
    async stop() {
      await producer.close();
      await sg.stop();
      const keys = await redis.keys(`${prefix}*`);
      if (keys.length) await redis.del(...keys);
      redis.disconnect();
    },
  };
}

/** Moves the clock on by minutes. */
export function advance(t: IncidentsUnderTest, minutes: number): void {
  t.clock.now = new Date(t.clock.now.getTime() + minutes * 60_000);
}

export const person = (roles: Principal['roles'], id = newId()): Principal => ({
  kind: 'agent',
  id,
  name: 'someone',
  roles,
  jurisdictions: [],
});

/** A channel row, as the delivery part defines them. */
export async function insertChannel(t: IncidentsUnderTest, name: string, kind = 'EMAIL'): Promise<void> {
  await t.sg
    .em()
    .getConnection()
    .execute(
      'insert into operations.channel (id, name, kind, target, enabled, created_by) values (?, ?, ?, ?, true, ?)',
      [newId(), name, kind, kind === 'GITHUB' ? 'acme/ops' : 'ops@example.org', 'test'],
    );
}

/** The notices of an incident's thread, one `ACTION channel` per delivery, sorted. */
export async function notices(t: IncidentsUnderTest, incidentId: string): Promise<string[]> {
  const rows = await t.sg
    .em()
    .getConnection()
    .execute<{ action: string; channel: string; kind: string }[]>(
      `select n.action, n.kind, c.name as channel from operations.notification n
         join operations.delivery d on d.notification_id = n.id join operations.channel c on c.id = d.channel_id
        where n.thread_key = ?`,
      [`incident:${incidentId}`],
    );
  for (const r of rows)
    if (r.kind !== 'INCIDENT') throw new Error(`a ${r.kind} notice on an incident thread`);
  return rows.map((r) => `${r.action} ${r.channel}`).sort();
}

/** The timeline kinds of an incident, in order. */
export async function timelineKinds(t: IncidentsUnderTest, incidentId: string): Promise<string[]> {
  const rows = await t.sg
    .em()
    .getConnection()
    .execute<{ kind: string }[]>(
      'select kind from operations.incident_event where incident_id = ? order by id',
      [incidentId],
    );
  return rows.map((r) => r.kind);
}

/**
 * The `incidentUpdated` events of an incident published so far (the relay moves them from the
 * outbox to the stream): waits until at least `atLeast` arrived, or 5 s.
 */
export async function incidentEvents(
  t: IncidentsUnderTest,
  incidentId: string,
  atLeast: number,
): Promise<EventEnvelope[]> {
  const deadline = Date.now() + 5000;
  let found: EventEnvelope[] = [];
  do {
    const entries = await t.redis.xrange(streamKey(t.prefix, 'incidentUpdated'), '-', '+');
    found = entries
      .map(([, fields]) => JSON.parse(fields[1]!) as EventEnvelope)
      .filter((e) => e.key.id === incidentId);
    if (found.length >= atLeast) return found;
    await new Promise((r) => setTimeout(r, 50));
  } while (Date.now() < deadline);
  return found;
}
