import { Migration } from '@mikro-orm/migrations';

/**
 * Incidents and their escalation: an incident (opened by hand or by a critical alert) with its
 * timeline of events and the alerts linked to it, and the escalation policies that say who is told,
 * and when, while nobody acknowledges it. A policy is never edited (incidents follow the one they
 * opened with); a new one is defined under another name.
 */
export class Migration20261204130000_incidents extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
      create table operations.escalation_policy (
        id uuid primary key,
        name text not null unique,
        levels jsonb not null check (jsonb_typeof(levels) = 'array' and jsonb_array_length(levels) between 1 and 10),
        repeat integer not null check (repeat >= 0),
        repeat_after_minutes integer not null check (repeat_after_minutes >= 1),
        created_by text not null,
        created_at timestamptz not null default now()
      );`);
    this.addSql(`
      create table operations.incident (
        id uuid primary key,
        title text not null,
        severity text not null check (severity in ('SEV1', 'SEV2', 'SEV3', 'SEV4')),
        status text not null check (status in ('OPEN', 'ACKNOWLEDGED', 'RESOLVED')),
        summary text,
        opened_by text not null,
        opened_at timestamptz not null,
        acknowledged_by text,
        acknowledged_at timestamptz,
        resolved_by text,
        resolved_at timestamptz,
        resolution_note text,
        postmortem text,
        escalation_policy_id uuid references operations.escalation_policy (id),
        escalation_level integer,
        escalation_round integer not null default 0,
        next_escalation_at timestamptz,
        check ((status = 'RESOLVED') = (resolved_at is not null)),
        check (status = 'OPEN' or acknowledged_at is not null or resolved_at is not null)
      );`);
    this.addSql('create index incident_opened_idx on operations.incident (opened_at desc, id);');
    this.addSql(
      'create index incident_status_opened_idx on operations.incident (status, opened_at desc, id);',
    );
    this.addSql(`
      create table operations.incident_event (
        id bigserial primary key,
        incident_id uuid not null references operations.incident (id),
        at timestamptz not null,
        kind text not null check (kind in ('OPENED', 'ALERT_LINKED', 'ALERT_RESOLVED', 'ACKNOWLEDGED',
          'ESCALATED', 'NOTIFIED', 'RESOLVED', 'AUTO_RESOLVED', 'POSTMORTEM', 'NOTE')),
        actor text not null,
        detail jsonb not null default '{}'
      );`);
    this.addSql('create index incident_event_incident_idx on operations.incident_event (incident_id, id);');
    this.addSql(`
      create table operations.incident_alert (
        incident_id uuid not null references operations.incident (id),
        alert_id uuid not null references operations.alert (id),
        fingerprint text not null,
        rule text not null,
        linked_at timestamptz not null,
        resolved_at timestamptz,
        primary key (incident_id, alert_id)
      );`);
    this.addSql('create index incident_alert_alert_idx on operations.incident_alert (alert_id);');
    this.addSql('create index incident_alert_fingerprint_idx on operations.incident_alert (fingerprint);');
  }
}
