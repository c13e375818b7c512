import { Migration } from '@mikro-orm/migrations';

/**
 * The ledger's transactional outbox: events are written in the transaction that makes the change and
 * moved to Redis Streams by the relay afterwards, which deletes them once published.
 */
export class Migration20261127150000_outbox extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
      create table ledger.outbox (
        id bigserial primary key,
        event_id uuid not null unique,
        topic text not null,
        payload jsonb not null,
        created_at timestamptz not null default clock_timestamp()
      );`);
    this.addSql('grant select, insert, delete on ledger.outbox to ecp_ledger_writer;');
    this.addSql('grant usage on sequence ledger.outbox_id_seq to ecp_ledger_writer;');
  }
}
