import { Migration } from '@mikro-orm/migrations';

/**
 * Every use of `ecp admin recover`: the admin it created, why, and who ran it (as the operating system
 * and the database saw them). Rows are only ever added; the ledger's own code never updates or
 * deletes them.
 */
export class Migration20261206090000_admin_recovery extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
      create table ledger.admin_recovery (
        id uuid primary key,
        agent_id uuid not null references ledger.agent (id),
        reason text not null check (length(btrim(reason)) between 10 and 1000),
        run_by text not null check (length(run_by) between 1 and 256),
        database_user text not null,
        recovered_at timestamptz not null default now()
      );`);
  }
}
