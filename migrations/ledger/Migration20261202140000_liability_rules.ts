import { Migration } from '@mikro-orm/migrations';

/**
 * Liability rules (docs/liability.md): one row per version of a jurisdiction's rules, written in the
 * same transaction as the `ecp.liability-rules/v1` ledger entry that records it (`entry_index`).
 * Append-only like the entries: a redefinition is a new version, and the history is never changed.
 * Where no code on a decision's path defines rules, the built-in default (`default@1`, in code) applies.
 */
export class Migration20261202140000_liability_rules extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
      create table ledger.liability_rules (
        jurisdiction text not null check (length(jurisdiction) between 1 and 300),
        revision integer not null check (revision >= 1),
        rules jsonb not null,
        note text not null default '' check (length(note) <= 1000),
        entry_index bigint not null unique references ledger.entry (index),
        created_by uuid not null,
        created_at timestamptz not null,
        primary key (jurisdiction, revision)
      );`);
    this.addSql(
      `comment on column ledger.liability_rules.rules is 'The terms {base, takes, withoutOrganisation} as exact decimal strings, as recorded in the entry.';`,
    );
    this.addSql(`
      create trigger liability_rules_append_only before update or delete or truncate on ledger.liability_rules
        for each statement execute function ledger.refuse_change();`);
    this.addSql('alter table ledger.liability_rules owner to ecp_ledger_owner;');
    this.addSql('revoke all on ledger.liability_rules from public;');
    this.addSql('grant select, insert on ledger.liability_rules to ecp_ledger_writer;');
  }
}
