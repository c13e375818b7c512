import { randomUUID } from 'node:crypto';
import type { ClientBase } from 'pg';
import type { EventEnvelope } from './event';

/** An event to publish once the transaction that writes it commits. */
export interface OutboxEvent {
  topic: string;
  typename: string;
  key: Record<string, string>;
  attributes?: Record<string, string>;
}

/**
 * Writes events into a subgraph's outbox table in the caller's transaction: they exist if and only if
 * the change they describe was committed. The relay publishes them afterwards.
 */
export async function writeOutbox(
  db: ClientBase,
  schema: string,
  events: readonly OutboxEvent[],
): Promise<void> {
  if (events.length === 0) return;
  const occurredAt = new Date().toISOString();
  const envelopes: EventEnvelope[] = events.map((e) => ({
    id: randomUUID(),
    topic: e.topic,
    typename: e.typename,
    key: e.key,
    attributes: e.attributes ?? {},
    version: 1,
    occurredAt,
  }));
  await db.query(
    `insert into "${schema}".outbox (event_id, topic, payload) select * from unnest($1::uuid[], $2::text[], $3::jsonb[])`,
    [envelopes.map((e) => e.id), envelopes.map((e) => e.topic), envelopes.map((e) => JSON.stringify(e))],
  );
  await db.query(`select pg_notify('ecp_outbox_${schema}', '')`);
}
