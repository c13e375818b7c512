import { newId } from '@ecp/db/ids';
import { type EventEnvelope, streamKey } from '@ecp/events/event';
import type { Principal } from '@ecp/identity/principal';
import { createLogger } from '@ecp/logging/logger';
import { ENQUEUES_NOTHING } from '@ecp/test-kit/jobs';
import type { SubgraphUnderTest } from '@ecp/test-kit/subgraph';
import type { Redis } from 'ioredis';
import type { LearningLedger } from '../src/ledger/learning-ledger';
import type { LedgerDecision } from '../src/ledger/ledger-operations';
import { LESSONS_CONSUMER } from '../src/modules/lessons/lesson.jobs';

/**
 * The ledger as the learning consortium sees it (`LearningLedger`, the interface production uses over
 * the service client): decisions a test puts there, and appends idempotent on their key. The real
 * ledger is used end to end in `test/src/learning.e2e.test.ts`.
 */
export class LedgerDouble implements LearningLedger {
  readonly decisionsById = new Map<string, LedgerDecision>();
  readonly entries: {
    index: string;
    kind: string;
    body: Record<string, unknown>;
    key: string;
    actor: string;
  }[] = [];

  decide(agentId: string, over: Partial<LedgerDecision> = {}): LedgerDecision {
    const d: LedgerDecision = {
      id: newId(),
      jurisdiction: 'EU/DE',
      category: 'payments',
      chosenOption: 'approve',
      confidence: 0.8,
      agent: { id: agentId },
      ...over,
    };
    this.decisionsById.set(d.id, d);
    return d;
  }

  async decisions(ids: readonly string[]) {
    return ids.map((id) => this.decisionsById.get(id) ?? null);
  }

  async append(
    input: { kind: string; body: Record<string, unknown>; idempotencyKey: string },
    call: { actingFor: Principal },
  ) {
    const earlier = this.entries.find((e) => e.key === input.idempotencyKey);
    if (earlier) return { index: earlier.index, leafHash: 'ab'.repeat(32), replayed: true };
    const index = String(this.entries.length + 1);
    this.entries.push({
      index,
      kind: input.kind,
      body: input.body,
      key: input.idempotencyKey,
      actor: call.actingFor.id,
    });
    return { index, leafHash: 'ab'.repeat(32), replayed: false };
  }
}

export const person = (roles: Principal['roles'], id = newId()): Principal => ({
  kind: 'agent',
  id,
  name: 'someone',
  roles,
  jurisdictions: [],
});

/** Where a test's subgraph publishes its events: a stream prefix of its own. */
export function eventsPrefix(): string {
  return `ecp:test:${newId()}:`;
}

/**
 * The events published on a topic, oldest first, once the relay has moved everything committed so
 * far out of the outbox.
 */
export async function publishedEvents(
  sg: SubgraphUnderTest,
  redis: Redis,
  prefix: string,
  topic: string,
): Promise<EventEnvelope[]> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const [row] = await sg
      .em()
      .getConnection()
      .execute<{ n: string }[]>('select count(*) as n from learning.outbox');
    if (Number(row!.n) === 0) break;
    if (Date.now() > deadline) throw new Error('the outbox relay did not publish in time');
    await new Promise((r) => setTimeout(r, 25));
  }
  const entries = await redis.xrange(streamKey(prefix, topic), '-', '+');
  return entries.map(([, fields]) => JSON.parse(fields[1]!) as EventEnvelope);
}

/**
 * Applies events with the lessons consumer as the workers do: the effect and the event's id in
 * `processed_event`, in one transaction, an event already recorded skipped.
 */
export async function consume(sg: SubgraphUnderTest, events: readonly EventEnvelope[]): Promise<number> {
  let applied = 0;
  const logger = createLogger({ service: 'test', level: 'silent' });
  for (const event of events) {
    await sg.em().transactional(async (em) => {
      const rows = await em
        .getConnection()
        .execute<unknown[]>(
          'insert into learning.processed_event (consumer, event_id) values (?, ?) on conflict do nothing returning event_id',
          [LESSONS_CONSUMER.name, event.id],
          'all',
          em.getTransactionContext(),
        );
      if (rows.length === 0) return;
      applied++;
      await LESSONS_CONSUMER.handle(event, {
        em,
        outbox: sg.built.platform.outbox,
        services: sg.built.platform.services,
        jobs: ENQUEUES_NOTHING,
        logger,
        batch: [event],
      });
    });
  }
  return applied;
}
