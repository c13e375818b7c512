import { Migration } from '@mikro-orm/migrations';

/**
 * People sign in with a password: a person is an agent row (their roles) with an email and an
 * argon2id password hash, set by the person with a one-time setup token an admin hands them (only its
 * SHA-256 is kept). Signing in opens a session; the browser holds its token in a cookie and ECP keeps
 * only the token's SHA-256, when it expires, when it was last seen and whether it was revoked.
 */
export class Migration20261205090000_people extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
      create table ledger.person (
        agent_id uuid primary key references ledger.agent (id),
        email text not null check (email = lower(email) and length(email) between 3 and 254),
        password_hash text null,
        password_set_at timestamptz null,
        setup_token_hash char(64) null unique,
        setup_token_expires_at timestamptz null,
        created_at timestamptz not null default now()
      );`);
    this.addSql('create unique index person_email_key on ledger.person (email);');
    this.addSql(`
      create table ledger.person_session (
        id uuid primary key,
        agent_id uuid not null references ledger.agent (id),
        token_hash char(64) not null unique,
        created_at timestamptz not null default now(),
        expires_at timestamptz not null,
        last_seen_at timestamptz not null default now(),
        revoked_at timestamptz null,
        address text null check (length(address) <= 64),
        user_agent text null check (length(user_agent) <= 256)
      );`);
    this.addSql(
      'create index person_session_live_idx on ledger.person_session (agent_id, created_at) where revoked_at is null;',
    );
    this.addSql('grant select, insert, update on ledger.person, ledger.person_session to ecp_ledger_writer;');
  }
}
