import { Migration } from '@mikro-orm/migrations';

/**
 * Delivery's own records: every try of a delivery with its outcome, and the GitHub issue each
 * thread (an alert group, an incident) has in each GITHUB channel.
 */
export class Migration20261204120000_delivery extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
      create table operations.delivery_attempt (
        id uuid primary key,
        delivery_id uuid not null references operations.delivery (id),
        attempt integer not null check (attempt >= 1),
        started_at timestamptz not null,
        finished_at timestamptz not null,
        duration_ms integer not null check (duration_ms >= 0),
        outcome text not null check (outcome in ('OK', 'ERROR')),
        status_code integer,
        error text,
        unique (delivery_id, attempt)
      );`);
    this.addSql(`
      create table operations.github_thread (
        channel_id uuid not null references operations.channel (id),
        thread_key text not null,
        issue_number integer not null,
        opened_at timestamptz not null default now(),
        closed_at timestamptz,
        primary key (channel_id, thread_key)
      );`);
  }
}
