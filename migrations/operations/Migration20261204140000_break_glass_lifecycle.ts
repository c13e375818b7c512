import { Migration } from '@mikro-orm/migrations';

/**
 * Break-glass sessions opened and closed by operations itself: the incident a session is for, how it
 * ended (closed by hand or expired), where its ledger entries sit, at most one unclosed session per
 * person (a unique index, so two opens at once cannot both succeed), and the review every closed
 * session waits for from another operator.
 */
export class Migration20261204140000_break_glass_lifecycle extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
      alter table operations.break_glass_session
        add column incident_id uuid null,
        add column close_reason text null check (close_reason in ('CLOSED', 'EXPIRED')),
        add column closed_by uuid null,
        add column opened_entry_index bigint null,
        add column closed_entry_index bigint null,
        add constraint break_glass_closed_has_reason check ((closed_at is null) = (close_reason is null));`);
    this.addSql(
      'create unique index break_glass_one_unclosed_idx on operations.break_glass_session (operator_id) where closed_at is null;',
    );
    this.addSql(
      'create index break_glass_unclosed_expiry_idx on operations.break_glass_session (expires_at) where closed_at is null;',
    );
    this.addSql(`
      create table operations.break_glass_review (
        session_id uuid primary key references operations.break_glass_session (id),
        status text not null check (status in ('OPEN', 'REVIEWED')),
        reviewer_id uuid null,
        note text null,
        created_at timestamptz not null default now(),
        reviewed_at timestamptz null,
        check ((status = 'REVIEWED') = (reviewer_id is not null and reviewed_at is not null and note is not null))
      );`);
    this.addSql(
      'create index break_glass_review_status_idx on operations.break_glass_review (status, created_at, session_id);',
    );
  }
}
