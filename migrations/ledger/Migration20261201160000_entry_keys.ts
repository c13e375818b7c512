import { Migration } from '@mikro-orm/migrations';

/**
 * Idempotency keys of entries other services append through the ledger's append command: a retry
 * with the same issuing service and key returns the first entry. Append-only, like the entries.
 */
export class Migration20261201160000_entry_keys extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
      create table ledger.entry_key (
        issuer text not null check (issuer like 'service:%'),
        idempotency_key text not null check (length(idempotency_key) between 1 and 200),
        entry_index bigint not null unique references ledger.entry (index),
        primary key (issuer, idempotency_key)
      );`);
    this.addSql(`
      create trigger entry_key_append_only before update or delete or truncate on ledger.entry_key
        for each statement execute function ledger.refuse_change();`);
    this.addSql('alter table ledger.entry_key owner to ecp_ledger_owner;');
    this.addSql('revoke all on ledger.entry_key from public;');
    this.addSql('grant select, insert on ledger.entry_key to ecp_ledger_writer;');
  }
}
