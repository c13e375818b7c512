import type { Logger } from '@ecp/logging/logger';
import type { Redis } from 'ioredis';
import pg from 'pg';
import { type EventEnvelope, streamKey } from './event';

export interface OutboxRelayOptions {
  databaseUrl: string;
  /** The subgraph's PostgreSQL schema, which holds its `outbox` table. */
  schema: string;
  /** A role to work as (SET ROLE), like the subgraph itself. */
  sessionRole?: string;
  redis: Redis;
  /** Prefix of the stream keys (`ecp:events:` unless configured). */
  streamPrefix: string;
  logger: Logger;
  /** Approximate length each stream is trimmed to (XADD MAXLEN ~): how far back clients can resume. */
  streamMaxLength: number;
  batchSize?: number;
  pollIntervalMs?: number;
}

/**
 * Moves committed outbox rows to Redis Streams, in commit order, then deletes them. At least once: a
 * crash between XADD and DELETE publishes those rows again on restart, and consumers de-duplicate by
 * event id. One relay per schema is active at a time (a session advisory lock), so order holds even
 * with several subgraph replicas; the others stand by and take over when it goes.
 */
export class OutboxRelay {
  private client: pg.Client | undefined;
  private listener: pg.Client | undefined;
  private active = false;
  private running: Promise<void> | undefined;
  private again = false;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(private readonly options: OutboxRelayOptions) {}

  async start(): Promise<void> {
    this.client = await this.connect();
    this.listener = await this.connect();
    this.listener.on('notification', () => this.kick());
    await this.listener.query(`listen ecp_outbox_${this.options.schema}`);
    this.timer = setInterval(() => this.kick(), this.options.pollIntervalMs ?? 500);
    this.timer.unref();
    this.kick();
  }

  /** Publishes whatever is pending now (also called after local commits, to skip the notification hop). */
  kick(): void {
    if (this.stopped) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = this.drain()
      .catch((err) => this.options.logger.error({ err }, 'outbox relay failed; will retry'))
      .finally(() => {
        this.running = undefined;
        if (this.again) {
          this.again = false;
          this.kick();
        }
      });
  }

  /** Resolves once everything committed so far has been published (tests and shutdown use it). */
  async flush(): Promise<void> {
    do {
      this.again = false;
      this.kick();
      await this.running;
    } while (this.again);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    await this.running;
    await this.listener?.end().catch(() => {});
    await this.client?.end().catch(() => {});
  }

  private async drain(): Promise<void> {
    const db = this.client;
    if (!db) return;
    if (!this.active) {
      const { rows } = await db.query<{ ok: boolean }>('select pg_try_advisory_lock(hashtext($1)) as ok', [
        `ecp:outbox-relay:${this.options.schema}`,
      ]);
      this.active = rows[0]?.ok === true;
      if (!this.active) return;
      this.options.logger.info({ schema: this.options.schema }, 'outbox relay active');
    }
    const batch = this.options.batchSize ?? 1000;
    for (;;) {
      const { rows } = await db.query<{ id: string; payload: EventEnvelope }>(
        // Ordered by the table's bigint id: `order by id` would name the text output column and
        // publish 10 before 9.
        `select o.id::text as id, o.payload from "${this.options.schema}".outbox o order by o.id limit $1`,
        [batch],
      );
      if (rows.length === 0) return;
      const pipeline = this.options.redis.pipeline();
      for (const { payload } of rows) {
        pipeline.xadd(
          streamKey(this.options.streamPrefix, payload.topic),
          'MAXLEN',
          '~',
          this.options.streamMaxLength,
          '*',
          'event',
          JSON.stringify(payload),
        );
      }
      const results = await pipeline.exec();
      const failed = results?.find(([err]) => err);
      if (failed) throw failed[0];
      await db.query(`delete from "${this.options.schema}".outbox where id = any($1::bigint[])`, [
        rows.map((r) => r.id),
      ]);
      if (rows.length < batch) return;
    }
  }

  private async connect(): Promise<pg.Client> {
    const client = new pg.Client({ connectionString: this.options.databaseUrl });
    client.on('error', (err) => this.options.logger.warn({ err }, 'outbox relay connection error'));
    await client.connect();
    if (this.options.sessionRole) await client.query(`set role "${this.options.sessionRole}"`);
    return client;
  }
}
