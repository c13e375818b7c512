import { Migration } from '@mikro-orm/migrations';

/**
 * The Transparency Ledger: entries (the exact canonical bytes and their RFC 9162 leaf hash), the
 * perfect-subtree nodes proofs are computed from, signed checkpoints, decisions, precedent citations
 * and agents' signing keys.
 *
 * Append-only is enforced by PostgreSQL itself: a trigger refuses UPDATE, DELETE and TRUNCATE on every
 * ledger table, the tables belong to a role that cannot log in, and the role the ledger service works
 * as (`ecp_ledger_writer`, taken with SET ROLE on every connection) holds only SELECT and INSERT on them.
 */
export class Migration20261127120000_transparency_ledger extends Migration {
  override async up(): Promise<void> {
    // Roles are per cluster; several databases (and concurrent migrations) may create them.
    for (const role of ['ecp_ledger_owner', 'ecp_ledger_writer']) {
      this.addSql(`
        do $$ begin
          create role ${role} nologin;
        exception when duplicate_object or unique_violation then null;
        end $$;`);
    }
    // The migrating user hands tables to the owner role and lets the service take the writer role.
    this.addSql('grant ecp_ledger_owner to current_user;');
    this.addSql('grant ecp_ledger_writer to current_user;');

    this.addSql(`
      create table ledger.entry (
        index bigint primary key check (index >= 0),
        kind text not null,
        leaf_hash bytea not null check (length(leaf_hash) = 32),
        canonical bytea not null,
        payload jsonb not null,
        recorded_at timestamptz not null,
        tree_size bigint not null check (tree_size > index)
      );`);
    this.addSql(
      `comment on column ledger.entry.canonical is 'The RFC 8785 bytes that were hashed; payload is a copy for querying only.';`,
    );
    this.addSql(
      `comment on column ledger.entry.tree_size is 'Size of the tree once the batch holding this entry was appended.';`,
    );
    this.addSql(`
      create table ledger.tree_node (
        level smallint not null check (level between 1 and 63),
        idx bigint not null check (idx >= 0),
        hash bytea not null check (length(hash) = 32),
        primary key (level, idx)
      );`);
    this.addSql(`
      create table ledger.checkpoint (
        tree_size bigint primary key check (tree_size >= 0),
        root_hash bytea not null check (length(root_hash) = 32),
        note text not null,
        published_at timestamptz not null default now()
      );`);
    this.addSql(`
      create table ledger.agent_key (
        id uuid primary key,
        agent_id uuid not null references ledger.agent (id),
        public_key bytea not null unique check (length(public_key) = 32),
        created_at timestamptz not null default now(),
        revoked_at timestamptz null
      );`);
    this.addSql('create index agent_key_agent_idx on ledger.agent_key (agent_id);');
    this.addSql(`
      create table ledger.decision (
        id uuid primary key,
        ledger_index bigint not null unique references ledger.entry (index),
        agent_id uuid not null references ledger.agent (id),
        jurisdiction text not null,
        category text not null,
        chosen_option text not null,
        confidence double precision not null check (confidence >= 0 and confidence <= 1),
        idempotency_key text not null,
        signing_key_id uuid null references ledger.agent_key (id),
        recorded_at timestamptz not null,
        unique (agent_id, idempotency_key)
      );`);
    this.addSql('create index decision_agent_idx on ledger.decision (agent_id, ledger_index);');
    this.addSql('create index decision_jurisdiction_idx on ledger.decision (jurisdiction, ledger_index);');
    this.addSql('create index decision_category_idx on ledger.decision (category, ledger_index);');
    this.addSql('create index decision_recorded_at_idx on ledger.decision (recorded_at, ledger_index);');
    this.addSql(`
      create table ledger.citation (
        citing_index bigint not null references ledger.entry (index),
        cited_index bigint not null references ledger.entry (index),
        primary key (citing_index, cited_index),
        check (cited_index < citing_index)
      );`);
    this.addSql('create index citation_cited_idx on ledger.citation (cited_index, citing_index);');

    this.addSql(`
      create function ledger.refuse_change() returns trigger language plpgsql as $$
      begin
        raise exception 'ledger.% is append-only: % refused', tg_table_name, tg_op
          using errcode = 'insufficient_privilege',
                hint = 'Ledger entries are never changed; record a new entry instead.';
      end $$;`);
    const appendOnly = ['entry', 'tree_node', 'checkpoint', 'decision', 'citation'];
    for (const table of appendOnly) {
      // Statement-level, so that even an UPDATE or DELETE matching no row is refused.
      this.addSql(`
        create trigger ${table}_append_only before update or delete or truncate on ledger.${table}
          for each statement execute function ledger.refuse_change();`);
      this.addSql(`alter table ledger.${table} owner to ecp_ledger_owner;`);
      this.addSql(`revoke all on ledger.${table} from public;`);
      this.addSql(`grant select, insert on ledger.${table} to ecp_ledger_writer;`);
    }
    // The registry of agents and keys is ordinary mutable state.
    this.addSql('grant usage on schema ledger to ecp_ledger_owner, ecp_ledger_writer;');
    this.addSql(
      'grant select, insert, update on ledger.agent, ledger.api_key, ledger.agent_key to ecp_ledger_writer;',
    );
  }
}
