import { Migration } from '@mikro-orm/migrations';

/**
 * The Liability Firewall's working state: decisions it held (`ledger.held_decision`) and the approval
 * and rejection entries appended for them (`ledger.decision_review`).
 *
 * `held_decision` is the one mutable table of the ledger's record-keeping: a held proposal changes
 * status (PENDING_APPROVAL → COMMITTED or REJECTED), so the service role may UPDATE it. What it holds
 * is not the record: the proposal's bytes are bound by `proposal_sha256`, which every approval entry
 * names, and a proposal commits only as an ordinary decision entry. `decision_review` is a projection
 * of ledger entries, append-only like the others (SELECT and INSERT only; the trigger refuses changes).
 */
export class Migration20261202120000_firewall extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
      create table ledger.held_decision (
        id uuid primary key,
        agent_id uuid not null,
        idempotency_key text not null,
        jurisdiction text not null,
        category text not null,
        proposal jsonb not null,
        proposal_sha256 text not null check (proposal_sha256 ~ '^[0-9a-f]{64}$'),
        hold_reasons jsonb not null,
        friction_assessment_id uuid,
        policy_version text,
        approvals_needed integer not null check (approvals_needed between 1 and 10),
        consortium_followed boolean not null default false,
        signing_key_id uuid,
        cites text[] not null default '{}',
        status text not null default 'PENDING_APPROVAL'
          check (status in ('PENDING_APPROVAL', 'COMMITTED', 'REJECTED')),
        ledger_index bigint,
        created_at timestamptz not null default now(),
        expires_at timestamptz not null,
        decided_at timestamptz,
        unique (agent_id, idempotency_key),
        check ((status = 'COMMITTED') = (ledger_index is not null)),
        check ((status = 'PENDING_APPROVAL') = (decided_at is null))
      );`);
    this.addSql(
      `comment on table ledger.held_decision is 'Decisions the Liability Firewall held before they bound anyone: the exact proposal, why, and what became of it.';`,
    );
    // Operators list what waits, oldest first; the sweep finds what is past its time.
    this.addSql(
      "create index held_decision_pending_idx on ledger.held_decision (created_at, id) where status = 'PENDING_APPROVAL';",
    );
    this.addSql(
      "create index held_decision_expiry_idx on ledger.held_decision (expires_at) where status = 'PENDING_APPROVAL';",
    );
    this.addSql('grant select, insert, update on ledger.held_decision to ecp_ledger_writer;');

    this.addSql(`
      create table ledger.decision_review (
        entry_index bigint primary key references ledger.entry (index),
        decision_id uuid not null,
        verdict text not null check (verdict in ('APPROVAL', 'REJECTION')),
        reviewer_id text not null,
        proposal_sha256 text not null,
        reason text not null,
        recorded_at timestamptz not null
      );`);
    // No foreign key to held_decision: the entry is appended (in the log's transaction) while the
    // reviewing request holds the held row's lock, and a key check would wait on that lock.
    // One approval per approver per proposal, whatever reaches the database first.
    this.addSql(
      "create unique index decision_review_once_idx on ledger.decision_review (decision_id, reviewer_id) where verdict = 'APPROVAL';",
    );
    this.addSql(
      'create index decision_review_decision_idx on ledger.decision_review (decision_id, entry_index);',
    );
    this.addSql(`
      create trigger decision_review_append_only before update or delete or truncate on ledger.decision_review
        for each statement execute function ledger.refuse_change();`);
    this.addSql('alter table ledger.decision_review owner to ecp_ledger_owner;');
    this.addSql('revoke all on ledger.decision_review from public;');
    this.addSql('grant select, insert on ledger.decision_review to ecp_ledger_writer;');
  }
}
