import { Migration } from '@mikro-orm/migrations';

/**
 * Health checks: the environments ECP checks on a schedule and the history of their checks (bounded:
 * the check job prunes it), from which uptime is computed.
 */
export class Migration20261204100000_health extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
      create table operations.environment (
        id uuid primary key,
        name text not null unique check (length(name) between 1 and 100),
        url text not null check (url ~ '^https?://'),
        method text not null default 'GET',
        expected_status integer not null default 200 check (expected_status between 100 and 599),
        latency_objective_ms integer null check (latency_objective_ms > 0),
        conditions text[] not null default '{}',
        fail_threshold integer not null default 3 check (fail_threshold >= 1),
        success_threshold integer not null default 1 check (success_threshold >= 1),
        status text not null default 'UNKNOWN' check (status in ('UNKNOWN', 'HEALTHY', 'UNHEALTHY')),
        consecutive_failures integer not null default 0,
        consecutive_successes integer not null default 0,
        last_checked_at timestamptz null,
        certificate_expires_at timestamptz null,
        created_by text not null,
        created_at timestamptz not null default now()
      );`);
    this.addSql(`
      create table operations.health_run (
        id uuid primary key,
        environment_id uuid not null references operations.environment (id) on delete cascade,
        at timestamptz not null,
        status_code integer null,
        latency_ms integer not null check (latency_ms >= 0),
        ok boolean not null,
        slow boolean not null,
        failures text[] not null default '{}',
        certificate_expires_at timestamptz null
      );`);
    this.addSql(
      'create index health_run_environment_at_idx on operations.health_run (environment_id, at desc, id desc);',
    );
    this.addSql('create index health_run_at_idx on operations.health_run (at);');
  }
}
