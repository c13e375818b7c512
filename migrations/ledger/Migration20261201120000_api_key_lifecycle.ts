import { Migration } from '@mikro-orm/migrations';

/**
 * API keys get a lifecycle: a name to tell them apart, when each was last used (recorded when the
 * gateway resolves it, so at most once per auth-cache period), who revoked it, and revocation at a
 * future time (rotation: the old key keeps working until then).
 */
export class Migration20261201120000_api_key_lifecycle extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
      alter table ledger.api_key
        add column name text null check (length(name) between 1 and 100),
        add column last_used_at timestamptz null,
        add column revoked_by uuid null references ledger.agent (id);
    `);
  }
}
