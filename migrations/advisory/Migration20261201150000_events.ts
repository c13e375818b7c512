import { Migration } from '@mikro-orm/migrations';

/**
 * The advisory schema's part in the paths between the subgraphs: a transactional outbox (events written in
 * the transaction of their change, moved to Redis Streams by the relay) and the events its consumers
 * have applied (an effect and its event id commit together, so a retried job cannot apply twice).
 */
export class Migration20261201150000_events extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
      create table advisory.outbox (
        id bigserial primary key,
        event_id uuid not null unique,
        topic text not null,
        payload jsonb not null,
        created_at timestamptz not null default clock_timestamp()
      );`);
    this.addSql(`
      create table advisory.processed_event (
        consumer text not null,
        event_id uuid not null,
        processed_at timestamptz not null default now(),
        primary key (consumer, event_id)
      );`);
    this.addSql('create index processed_event_at_idx on advisory.processed_event (processed_at);');
  }
}
