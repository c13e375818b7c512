import { Migration } from '@mikro-orm/migrations';

/**
 * The project-manager report, one per 4-hour period: its Markdown and the same figures as JSON. The
 * period is unique, so a retried or doubled job stores one report.
 */
export class Migration20261204150000_pm_reports extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
      create table operations.pm_report (
        id uuid primary key,
        period_start timestamptz not null,
        period_end timestamptz not null,
        markdown text not null,
        json jsonb not null,
        created_at timestamptz not null default now(),
        unique (period_start, period_end),
        check (period_start < period_end)
      );`);
    this.addSql('create index pm_report_period_end_idx on operations.pm_report (period_end desc, id);');
  }

  override async down(): Promise<void> {
    this.addSql('drop table if exists operations.pm_report;');
  }
}
