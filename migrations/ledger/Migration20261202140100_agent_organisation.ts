import { Migration } from '@mikro-orm/migrations';

/**
 * An agent's operator organisation, set at registration (optional): the party that shares a committed
 * decision's liability with the agent (docs/liability.md). Null for agents without one and for people.
 */
export class Migration20261202140100_agent_organisation extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
      alter table ledger.agent
        add column organisation text null check (length(organisation) between 1 and 128);`);
  }
}
