import type { Outbox } from '@ecp/events/outbox';
import { LockMode } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import type { OperationsRuntime } from '../../runtime';
import { INCIDENT_UPDATED } from '../../topics';
import type { ThreadAction } from '../delivery/notification.entity';
import { notify } from '../delivery/notifier';
import type { EscalationPlan } from './escalation-plan';
import {
  type EscalationPolicy,
  EscalationPolicyEntity,
  type Incident,
  IncidentEntity,
  type IncidentEventKind,
  SYSTEM_ACTOR,
} from './incident.entities';
import { type IncidentNoticeReason, incidentNotice, incidentThreadKey } from './incident-notice';

/**
 * Where an incident changes: a transaction, its outbox (the `incidentUpdated` event commits with the
 * change) and the runtime (the clock, and the queues of the escalation timers and deliveries). The
 * same shape as an alert's write, so that alerts open and resolve incidents in their own transaction.
 */
export interface IncidentWrite {
  tx: EntityManager;
  outbox: Outbox;
  runtime: OperationsRuntime;
}

/** The incident, locked for this transaction: its changes (people, timers, alerts) happen one at a time. */
export async function lockIncident(tx: EntityManager, id: string): Promise<Incident | null> {
  return tx.findOne(IncidentEntity, { id }, { lockMode: LockMode.PESSIMISTIC_WRITE, refresh: true });
}

/** Appends an entry to the incident's timeline, at the runtime's time. */
export async function recordIncidentEvent(
  w: IncidentWrite,
  incident: Incident,
  kind: IncidentEventKind,
  actor: string,
  detail: Record<string, unknown> = {},
): Promise<void> {
  await w.tx
    .getConnection()
    .execute(
      'insert into operations.incident_event (incident_id, at, kind, actor, detail) values (?, ?, ?, ?, ?::jsonb)',
      [incident.id, w.runtime.now(), kind, actor, JSON.stringify(detail)],
      'run',
      w.tx.getTransactionContext(),
    );
}

/** Writes the `incidentUpdated` event of a change (one per change, whatever its timeline entries). */
export async function publishIncidentChange(
  w: IncidentWrite,
  incident: Incident,
  change: IncidentEventKind,
): Promise<void> {
  await w.outbox.write(w.tx, [
    {
      topic: INCIDENT_UPDATED,
      key: { id: incident.id },
      attributes: { change, status: incident.status, severity: incident.severity },
    },
  ]);
}

/** A policy as an escalation follows it. */
export function planOf(policy: EscalationPolicy): EscalationPlan {
  return { levels: policy.levels, repeat: policy.repeat, repeatAfterMinutes: policy.repeatAfterMinutes };
}

/** The plan of the incident's escalation policy; null when it has none. */
export async function incidentPlan(tx: EntityManager, incident: Incident): Promise<EscalationPlan | null> {
  if (!incident.escalationPolicyId) return null;
  const policy = await tx.findOne(EscalationPolicyEntity, { id: incident.escalationPolicyId });
  return policy ? planOf(policy) : null;
}

/**
 * Tells channels about the incident on its thread and records it in the timeline (NOTIFIED). The
 * idempotency key makes a retried timer or request send nothing twice. No channel, no notice.
 */
export async function notifyAboutIncident(
  w: IncidentWrite,
  incident: Incident,
  reason: IncidentNoticeReason,
  to: { channels: readonly string[]; action: ThreadAction; idempotencyKey: string },
): Promise<void> {
  if (to.channels.length === 0) return;
  const written = await notify(w, {
    kind: 'INCIDENT',
    ...incidentNotice(incident, reason),
    threadKey: incidentThreadKey(incident.id),
    action: to.action,
    channels: to.channels,
    idempotencyKey: to.idempotencyKey,
  });
  if (written.replayed) return;
  await recordIncidentEvent(w, incident, 'NOTIFIED', SYSTEM_ACTOR, {
    reason: reason.kind,
    action: to.action,
    channels: [...to.channels],
    notificationId: written.notificationId,
    deliveries: written.deliveryIds.length,
  });
}
