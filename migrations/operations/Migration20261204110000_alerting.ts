import { Migration } from '@mikro-orm/migrations';

/**
 * Alerting on top of the alert rows: groups (one notification thread per rule and values of its
 * group-by labels, with the timers that pace it) and silences (matchers over labels, a time window,
 * who and why).
 */
export class Migration20261204110000_alerting extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
      create table operations.alert_group (
        id uuid primary key,
        group_key text not null unique,
        rule text not null,
        group_labels jsonb not null,
        created_at timestamptz not null,
        thread_open boolean not null default false,
        first_notified_at timestamptz,
        last_notified_at timestamptz,
        last_digest text,
        notified_alert_ids jsonb not null default '[]',
        next_flush_at timestamptz
      );`);
    this.addSql(
      'create index alert_group_next_flush_idx on operations.alert_group (next_flush_at) where next_flush_at is not null;',
    );
    this.addSql("create index alert_rule_firing_idx on operations.alert (rule) where status = 'FIRING';");
    this.addSql(`
      create table operations.silence (
        id uuid primary key,
        matchers jsonb not null,
        rule text,
        author text not null,
        reason text not null check (char_length(reason) between 1 and 2000),
        starts_at timestamptz not null,
        ends_at timestamptz not null,
        created_at timestamptz not null default now(),
        expired_at timestamptz,
        check (ends_at > starts_at)
      );`);
    this.addSql(
      'create index silence_ends_idx on operations.silence (ends_at desc, id) where expired_at is null;',
    );
    this.addSql('create index silence_created_idx on operations.silence (created_at desc, id);');
  }
}
