import { Migration } from '@mikro-orm/migrations';

/** Outcome reports: what happened after a decision, with the confidence the agent had stated. */
export class Migration20261127090000_outcomes extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
      create table learning.outcome_report (
        id uuid primary key,
        decision_id uuid not null,
        agent_id uuid not null,
        success boolean not null,
        stated_confidence double precision not null check (stated_confidence >= 0 and stated_confidence <= 1),
        reported_at timestamptz not null default now()
      );
    `);
    this.addSql(`create index outcome_report_agent_idx on learning.outcome_report (agent_id);`);
  }
}
