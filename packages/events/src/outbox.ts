import { randomUUID } from 'node:crypto';
import { currentTraceparent } from '@ecp/telemetry/trace-context';
import type { EntityManager } from '@mikro-orm/postgresql';
import type { ClientBase } from 'pg';
import type { EventEnvelope } from './event';
import type { Topic } from './topic';

/** An event to publish once the transaction that writes it commits. */
export interface OutboxEvent {
  topic: Topic;
  key: Record<string, string>;
  attributes?: Record<string, string>;
  /**
   * The W3C traceparent of what caused the event. By default the span active where the event is
   * written (the request's); a writer that batches the work of many requests passes each one's own.
   */
  trace?: string;
}

/** An event that does not match its topic's schema, or a topic the subgraph did not declare: a bug. */
export class EventSchemaError extends Error {
  constructor(
    readonly topic: string,
    readonly problems: readonly { path: string; reason: string }[],
  ) {
    super(
      `event on ${topic} refused: ${problems.map((p) => `${p.path} ${p.reason}`).join('; ')}; nothing of the transaction was committed`,
    );
    this.name = 'EventSchemaError';
  }
}

/** Where events are written: a pg client inside BEGIN, or a MikroORM EntityManager inside `em.transactional`. */
export type OutboxTarget = ClientBase | EntityManager;

/**
 * A subgraph's transactional outbox. Events are validated against their topic's schema and written
 * into the subgraph's own `outbox` table in the caller's transaction, so they exist if and only if the
 * change they describe commits; the relay publishes them afterwards (woken by the NOTIFY sent in the
 * same transaction, which PostgreSQL delivers at commit). A refused event throws, failing the
 * transaction it was part of.
 */
export class Outbox {
  private readonly topics: ReadonlyMap<string, Topic>;

  constructor(
    private readonly options: {
      /** The subgraph's PostgreSQL schema, which holds its `outbox` table. */
      schema: string;
      /** The topics this subgraph publishes; any other is refused. */
      topics: readonly Topic[];
    },
  ) {
    this.topics = new Map(options.topics.map((t) => [t.name, t]));
  }

  get schema(): string {
    return this.options.schema;
  }

  get declaredTopics(): readonly Topic[] {
    return [...this.topics.values()];
  }

  /** Validates and writes `events` in the transaction of `target`; returns their envelopes. */
  async write(target: OutboxTarget, events: readonly OutboxEvent[]): Promise<EventEnvelope[]> {
    if (events.length === 0) return [];
    const occurredAt = new Date().toISOString();
    // The consumer's job continues this trace (`withTraceparent` in `@ecp/telemetry/trace-context`).
    const active = currentTraceparent();
    const envelopes = events.map((e) => this.envelope(e, occurredAt, e.trace ?? active));
    const { schema } = this.options;
    // One statement: the rows, and the NOTIFY that PostgreSQL delivers to the relay at commit (a
    // data-modifying WITH always runs, whatever the outer query reads).
    const notify = `select pg_notify('ecp_outbox_${schema}', '')`;
    const rows = envelopes.map((e) => [e.id, e.topic, JSON.stringify(e)] as const);
    if (isEntityManager(target)) {
      if (!target.isInTransaction()) {
        throw new Error(
          'write events inside em.transactional(), so that they commit with the change they describe',
        );
      }
      const connection = target.getConnection();
      const ctx = target.getTransactionContext();
      await connection.execute(
        `with written as (insert into "${schema}".outbox (event_id, topic, payload) values ${rows.map(() => '(?, ?, ?::jsonb)').join(', ')}) ${notify}`,
        rows.flat(),
        'run',
        ctx,
      );
    } else {
      await target.query(
        `with written as (insert into "${schema}".outbox (event_id, topic, payload) select * from unnest($1::uuid[], $2::text[], $3::jsonb[])) ${notify}`,
        [rows.map((r) => r[0]), rows.map((r) => r[1]), rows.map((r) => r[2])],
      );
    }
    return envelopes;
  }

  private envelope(event: OutboxEvent, occurredAt: string, trace: string | undefined): EventEnvelope {
    const topic = this.topics.get(event.topic.name);
    if (!topic) {
      throw new EventSchemaError(event.topic.name, [
        {
          path: '/topic',
          reason: `is not a topic this subgraph declares (${[...this.topics.keys()].join(', ')})`,
        },
      ]);
    }
    const envelope: EventEnvelope = {
      id: randomUUID(),
      topic: topic.name,
      typename: topic.typename,
      key: event.key,
      attributes: event.attributes ?? {},
      version: topic.version,
      occurredAt,
    };
    if (trace) envelope.trace = trace;
    const problems = topic.problems(envelope);
    if (problems.length > 0) throw new EventSchemaError(topic.name, problems);
    return envelope;
  }
}

function isEntityManager(target: OutboxTarget): target is EntityManager {
  return typeof (target as EntityManager).getTransactionContext === 'function';
}
