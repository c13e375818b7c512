import { Migration } from '@mikro-orm/migrations';

/**
 * The events the ledger's consumers have applied: an effect and its event id commit together, so a
 * retried job cannot apply twice. (The ledger's outbox came with its subscriptions.)
 */
export class Migration20261201150000_events extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
      create table ledger.processed_event (
        consumer text not null,
        event_id uuid not null,
        processed_at timestamptz not null default now(),
        primary key (consumer, event_id)
      );`);
    this.addSql('create index processed_event_at_idx on ledger.processed_event (processed_at);');
    this.addSql('grant select, insert, delete on ledger.processed_event to ecp_ledger_writer;');
  }
}
