import { Migration } from '@mikro-orm/migrations';

/**
 * The LSP tree: jurisdictions operators define, each version of a definition kept (a redefinition is
 * a new row, never an update). Null settings are inherited from the parent.
 */
export class Migration20261202120000_jurisdictions extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
      create table learning.jurisdiction_version (
        code text not null,
        version integer not null check (version >= 1),
        parent text,
        risk_weight double precision check (risk_weight >= 0 and risk_weight <= 1),
        friction_threshold double precision check (friction_threshold > 0 and friction_threshold <= 1),
        divergence_threshold double precision check (divergence_threshold > 0 and divergence_threshold <= 1),
        categories_requiring_approval text[],
        approval_rules jsonb,
        defined_by text not null,
        defined_at timestamptz not null default now(),
        primary key (code, version),
        check (parent is null or parent <> code)
      );`);
    this.addSql('create index jurisdiction_version_parent_idx on learning.jurisdiction_version (parent);');
  }
}
