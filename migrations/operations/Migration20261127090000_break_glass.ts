import { Migration } from '@mikro-orm/migrations';

/** Break-glass sessions: an operator's emergency window past the Liability Firewall. */
export class Migration20261127090000_break_glass extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
      create table operations.break_glass_session (
        id uuid primary key,
        operator_id uuid not null,
        reason text not null check (length(reason) > 0),
        opened_at timestamptz not null default now(),
        expires_at timestamptz not null,
        closed_at timestamptz null,
        check (expires_at > opened_at and expires_at <= opened_at + interval '15 minutes')
      );
    `);
    this.addSql(
      `create index break_glass_operator_idx on operations.break_glass_session (operator_id, opened_at desc, id);`,
    );
  }
}
