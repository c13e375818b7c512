import { Outbox } from '@ecp/events/outbox';
import { defineTopic } from '@ecp/events/topic';
import { defineConsumer, type SubgraphWork } from '@ecp/jobs/job-definition';
import { work as advisory } from '@ecp/subgraph-advisory/jobs';

/**
 * The benchmark's event and effect: a `benchChanged` event written in a transaction of the advisory
 * schema (with a row of its own, as a real change would be), and a consumer whose effect is one row of
 * `advisory.bench_effect` stamped with the time it committed, so lag is read from the database.
 */
export const BENCH_TOPIC = defineTopic({
  $id: 'https://ecp.dev/schema/events/bench-benchChanged.v1.schema.json',
  $ref: 'envelope.v1.schema.json',
  type: 'object',
  properties: {
    topic: { const: 'benchChanged' },
    typename: { const: 'BenchThing' },
    version: { const: 1 },
    key: {
      type: 'object',
      required: ['id'],
      additionalProperties: false,
      properties: { id: { type: 'string', minLength: 1 } },
    },
    attributes: {
      type: 'object',
      required: ['seq'],
      additionalProperties: false,
      properties: { seq: { type: 'string', pattern: '^[0-9]+$' } },
    },
  },
});

export const BENCH_TABLES = `
  drop table if exists advisory.bench_effect, advisory.bench_change;
  create table advisory.bench_change (n bigserial primary key, thing text not null, seq int not null);
  create table advisory.bench_effect (
    n bigserial primary key,
    event_id uuid not null,
    thing text not null,
    seq int not null,
    occurred_at timestamptz not null,
    committed_at timestamptz not null default clock_timestamp()
  );
  truncate advisory.processed_event, advisory.outbox;`;

export const benchOutbox = new Outbox({ schema: 'advisory', topics: [BENCH_TOPIC] });

/** The effect, as one statement: what both the hosted consumer and the plain-loop baseline run. */
export const EFFECT_SQL =
  'insert into advisory.bench_effect (event_id, thing, seq, occurred_at) values ($1, $2, $3, $4)';

export function benchWork(consumer: string): SubgraphWork {
  return {
    subgraph: 'advisory',
    dbSchema: 'advisory',
    entities: advisory.entities,
    jobs: [],
    consumers: [
      defineConsumer({
        name: consumer,
        topics: [BENCH_TOPIC],
        async handle(event, { em }) {
          await em
            .getConnection()
            .execute(
              EFFECT_SQL.replace(/\$\d/g, '?'),
              [event.id, event.key.id, Number(event.attributes.seq), event.occurredAt],
              'run',
              em.getTransactionContext(),
            );
        },
      }),
    ],
  };
}
