import { Migration } from '@mikro-orm/migrations';

/**
 * Outcome reports as the LSP defines them, and the lessons learned from them. The first outcome
 * table had a boolean success and nothing ever wrote it: it is replaced (success in [0, 1], evidence,
 * note, the report it supersedes, its ledger entry and the weight it counts with). Lessons are
 * versioned and never edited; reciprocity links and the recommendation versions served are kept.
 */
export class Migration20261202130000_lessons extends Migration {
  override async up(): Promise<void> {
    this.addSql('drop table learning.outcome_report;');
    this.addSql(`
      create table learning.outcome_report (
        id uuid primary key,
        decision_id uuid not null,
        agent_id uuid not null,
        reported_by text not null,
        jurisdiction text not null,
        category text not null,
        chosen_option text not null,
        stated_confidence double precision not null check (stated_confidence >= 0 and stated_confidence <= 1),
        success double precision not null check (success >= 0 and success <= 1),
        evidence jsonb not null default '[]',
        note text,
        supersedes uuid unique references learning.outcome_report (id),
        weight double precision not null check (weight >= 0 and weight <= 1),
        ledger_index bigint not null unique,
        ledger_leaf_hash text not null,
        reported_at timestamptz not null default now(),
        applied_at timestamptz
      );`);
    // One first report per decision; every other one corrects an earlier one.
    this.addSql(
      'create unique index outcome_report_first_idx on learning.outcome_report (decision_id) where supersedes is null;',
    );
    this.addSql(
      'create index outcome_report_decision_idx on learning.outcome_report (decision_id, reported_at);',
    );
    this.addSql('create index outcome_report_agent_idx on learning.outcome_report (agent_id);');
    this.addSql(`
      create table learning.lesson_version (
        jurisdiction text not null,
        category text not null,
        version integer not null check (version >= 1),
        options jsonb not null,
        prior_path jsonb not null,
        cause text not null check (cause in ('REPORT', 'ROLLBACK')),
        cause_id text not null,
        created_at timestamptz not null default now(),
        primary key (jurisdiction, category, version)
      );`);
    this.addSql(`
      create table learning.lesson_contribution (
        report_id uuid not null references learning.outcome_report (id),
        jurisdiction text not null,
        category text not null,
        option text not null,
        successes double precision not null,
        failures double precision not null,
        link_id uuid,
        primary key (report_id, jurisdiction)
      );`);
    this.addSql(`
      create table learning.lsp_link (
        id uuid primary key,
        from_jurisdiction text not null,
        to_jurisdiction text not null,
        weight double precision not null check (weight > 0 and weight <= 1),
        created_by text not null,
        created_at timestamptz not null default now(),
        ledger_index bigint not null,
        revoked_by text,
        revoked_at timestamptz,
        revoked_ledger_index bigint,
        check (from_jurisdiction <> to_jurisdiction),
        check ((revoked_at is null) = (revoked_ledger_index is null))
      );`);
    this.addSql(
      'create index lsp_link_from_idx on learning.lsp_link (from_jurisdiction) where revoked_at is null;',
    );
    // The recommendation versions served: `atVersion` answers for these alone.
    this.addSql(`
      create table learning.recommendation_version (
        version text primary key,
        served_at timestamptz not null default now()
      );`);
  }
}
