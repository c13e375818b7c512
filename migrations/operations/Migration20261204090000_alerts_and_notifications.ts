import { Migration } from '@mikro-orm/migrations';

/**
 * What every part of operations shares: alerts (one row per fingerprint, firing or resolved) and the
 * notifications sent about anything (alert groups, incidents, break glass, reports), each delivered
 * once per channel.
 */
export class Migration20261204090000_alerts_and_notifications extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
      create table operations.alert (
        id uuid primary key,
        fingerprint text not null unique,
        rule text not null,
        labels jsonb not null,
        severity text not null check (severity in ('critical', 'warning', 'info')),
        summary text not null,
        value double precision,
        status text not null check (status in ('FIRING', 'RESOLVED')),
        starts_at timestamptz not null,
        last_seen_at timestamptz not null,
        ends_at timestamptz,
        runbook text not null
      );`);
    this.addSql('create index alert_status_starts_idx on operations.alert (status, starts_at desc, id);');
    this.addSql('create index alert_starts_idx on operations.alert (starts_at desc, id);');
    this.addSql(`
      create table operations.channel (
        id uuid primary key,
        name text not null unique,
        kind text not null check (kind in ('EMAIL', 'SLACK', 'GITHUB')),
        target text not null,
        enabled boolean not null default true,
        created_by text not null,
        created_at timestamptz not null default now()
      );`);
    this.addSql(`
      create table operations.notification (
        id uuid primary key,
        kind text not null check (kind in ('ALERT', 'INCIDENT', 'BREAK_GLASS', 'PM_REPORT', 'DELIVERY_FAILURE')),
        subject text not null,
        markdown text not null,
        thread_key text,
        action text not null check (action in ('OPEN', 'UPDATE', 'CLOSE')),
        idempotency_key text unique,
        created_at timestamptz not null default now()
      );`);
    this.addSql(`
      create table operations.delivery (
        id uuid primary key,
        notification_id uuid not null references operations.notification (id),
        channel_id uuid not null references operations.channel (id),
        status text not null check (status in ('PENDING', 'DELIVERED', 'FAILED')),
        attempts integer not null default 0,
        last_error text,
        created_at timestamptz not null default now(),
        delivered_at timestamptz,
        external_ref text,
        unique (notification_id, channel_id)
      );`);
    this.addSql('create index delivery_created_idx on operations.delivery (created_at desc, id);');
    this.addSql(
      "create index delivery_pending_idx on operations.delivery (created_at) where status = 'PENDING';",
    );
  }
}
