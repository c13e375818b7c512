import { newId } from '@ecp/db/ids';
import type { Alert } from '../alerts/alert.entity';
import { takeEscalationStep, takenStep } from './escalation';
import { channelsNotifiedBy, FIRST_STEP } from './escalation-plan';
import {
  type EscalationPolicy,
  type Incident,
  IncidentEntity,
  type IncidentSeverity,
} from './incident.entities';
import {
  type IncidentWrite,
  incidentPlan,
  notifyAboutIncident,
  planOf,
  publishIncidentChange,
  recordIncidentEvent,
} from './incident-writes';

/** An incident to open, checked: by whom, under which policy (none: nobody is told), with which alerts. */
export interface IncidentOpening {
  title: string;
  severity: IncidentSeverity;
  summary: string | null;
  openedBy: string;
  policy: EscalationPolicy | null;
  alerts: readonly Alert[];
}

/**
 * Opens an incident in the caller's transaction: its row, its timeline (OPENED, then each alert
 * linked), the first step of its escalation (the first level is told at once when its `afterMinutes`
 * is 0, else its timer is set) and its `incidentUpdated` event.
 */
export async function openIncidentIn(w: IncidentWrite, opening: IncidentOpening): Promise<Incident> {
  const incident = w.tx.create(IncidentEntity, {
    id: newId(),
    title: opening.title,
    severity: opening.severity,
    status: 'OPEN',
    summary: opening.summary,
    openedBy: opening.openedBy,
    openedAt: w.runtime.now(),
    escalationPolicyId: opening.policy?.id ?? null,
    escalationLevel: null,
    escalationRound: 0,
    nextEscalationAt: null,
  });
  await w.tx.flush();
  await recordIncidentEvent(w, incident, 'OPENED', opening.openedBy, {
    severity: opening.severity,
    escalationPolicy: opening.policy?.name ?? null,
  });
  for (const alert of opening.alerts) await linkAlertIn(w, incident, alert, opening.openedBy);
  if (opening.policy) await takeEscalationStep(w, incident, planOf(opening.policy), FIRST_STEP, 'first');
  await publishIncidentChange(w, incident, 'OPENED');
  return incident;
}

/**
 * Links an alert to an incident (again, when it fired anew: its link is no longer resolved), and
 * records it in the timeline. A resolved alert is linked as resolved.
 */
export async function linkAlertIn(
  w: IncidentWrite,
  incident: Incident,
  alert: Alert,
  actor: string,
): Promise<void> {
  const now = w.runtime.now();
  const resolvedAt = alert.status === 'RESOLVED' ? (alert.endsAt ?? now) : null;
  await w.tx.getConnection().execute(
    `insert into operations.incident_alert (incident_id, alert_id, fingerprint, rule, linked_at, resolved_at)
       values (?, ?, ?, ?, ?, ?)
       on conflict (incident_id, alert_id) do update set resolved_at = excluded.resolved_at`,
    [incident.id, alert.id, alert.fingerprint, alert.rule, now, resolvedAt],
    'run',
    w.tx.getTransactionContext(),
  );
  await recordIncidentEvent(w, incident, 'ALERT_LINKED', actor, {
    alertId: alert.id,
    fingerprint: alert.fingerprint,
    rule: alert.rule,
    status: alert.status,
    summary: alert.summary,
  });
}

/** The channels told about the incident so far: those its acknowledgement and resolution go to. */
async function channelsTold(w: IncidentWrite, incident: Incident): Promise<string[]> {
  const plan = await incidentPlan(w.tx, incident);
  return plan ? channelsNotifiedBy(plan, takenStep(incident)) : [];
}

/**
 * Acknowledges a locked, OPEN incident: its escalation stops (its pending timer finds it
 * acknowledged and does nothing), and the channels told so far hear who took it.
 */
export async function acknowledgeIn(w: IncidentWrite, incident: Incident, actor: string): Promise<Incident> {
  incident.status = 'ACKNOWLEDGED';
  incident.acknowledgedBy = actor;
  incident.acknowledgedAt = w.runtime.now();
  incident.nextEscalationAt = null;
  await w.tx.flush();
  await recordIncidentEvent(w, incident, 'ACKNOWLEDGED', actor);
  await notifyAboutIncident(
    w,
    incident,
    { kind: 'ACKNOWLEDGED' },
    {
      channels: await channelsTold(w, incident),
      action: 'UPDATE',
      idempotencyKey: `incident:${incident.id}:acknowledged`,
    },
  );
  await publishIncidentChange(w, incident, 'ACKNOWLEDGED');
  return incident;
}

/**
 * Resolves a locked incident that is not resolved: by a person (RESOLVED) or with its last alert
 * (AUTO_RESOLVED, by `system`). Escalation stops, and the thread is closed on the channels told.
 */
export async function resolveIn(
  w: IncidentWrite,
  incident: Incident,
  actor: string,
  note: string | null,
  how: 'RESOLVED' | 'AUTO_RESOLVED',
): Promise<Incident> {
  incident.status = 'RESOLVED';
  incident.resolvedBy = actor;
  incident.resolvedAt = w.runtime.now();
  incident.resolutionNote = note;
  incident.nextEscalationAt = null;
  await w.tx.flush();
  await recordIncidentEvent(w, incident, how, actor, note ? { note } : {});
  await notifyAboutIncident(
    w,
    incident,
    { kind: 'RESOLVED', auto: how === 'AUTO_RESOLVED' },
    {
      channels: await channelsTold(w, incident),
      action: 'CLOSE',
      idempotencyKey: `incident:${incident.id}:resolved`,
    },
  );
  await publishIncidentChange(w, incident, how);
  return incident;
}
