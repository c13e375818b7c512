import { Migration } from '@mikro-orm/migrations';

/** Agents and people (principals) and their API keys. Keys are stored only as SHA-256 hashes. */
export class Migration20261127090000_agents extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
      create table ledger.agent (
        id uuid primary key,
        name text not null check (length(name) between 1 and 100),
        roles text[] not null check (cardinality(roles) > 0 and roles <@ array['AGENT','ANALYST','OPERATOR','ADMIN']),
        jurisdictions text[] not null default '{}',
        created_at timestamptz not null default now(),
        created_by uuid null references ledger.agent (id)
      );
    `);
    this.addSql(`create index agent_created_at_idx on ledger.agent (created_at, id);`);
    this.addSql(`create index agent_admin_idx on ledger.agent ((true)) where 'ADMIN' = any (roles);`);
    this.addSql(`
      create table ledger.api_key (
        id uuid primary key,
        agent_id uuid not null references ledger.agent (id),
        key_hash char(64) not null unique,
        hint text not null,
        created_at timestamptz not null default now(),
        revoked_at timestamptz null
      );
    `);
    this.addSql(`create index api_key_agent_idx on ledger.api_key (agent_id);`);
  }
}
