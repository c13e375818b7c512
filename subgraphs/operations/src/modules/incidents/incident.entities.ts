import { defineEntity, type InferEntity } from '@mikro-orm/core';

/**
 * How bad an incident is, SEV1 the worst (PagerDuty's and most on-call teams' scale): SEV1 a
 * service down or data at risk, SEV2 a major function degraded, SEV3 a minor one, SEV4 cosmetic.
 */
export type IncidentSeverity = 'SEV1' | 'SEV2' | 'SEV3' | 'SEV4';
export const INCIDENT_SEVERITIES: readonly IncidentSeverity[] = ['SEV1', 'SEV2', 'SEV3', 'SEV4'];

/** OPEN until someone acknowledges it (escalation runs only while OPEN); RESOLVED is final. */
export type IncidentStatus = 'OPEN' | 'ACKNOWLEDGED' | 'RESOLVED';

/** What happened to an incident, one timeline entry each. */
export type IncidentEventKind =
  | 'OPENED'
  | 'ALERT_LINKED'
  | 'ALERT_RESOLVED'
  | 'ACKNOWLEDGED'
  | 'ESCALATED'
  | 'NOTIFIED'
  | 'RESOLVED'
  | 'AUTO_RESOLVED'
  | 'POSTMORTEM'
  | 'NOTE';

/** Who did something to an incident when no person did: alerts and timers. */
export const SYSTEM_ACTOR = 'system';

/** One level of an escalation policy: notified `afterMinutes` after its round began. */
export interface EscalationLevel {
  afterMinutes: number;
  channels: string[];
}

/**
 * An incident: something wrong that people work on until it is resolved. Its escalation state is the
 * last level notified (null before the first) in which round, and when the next step is due (null
 * when none is pending: acknowledged, resolved, or the policy ran out).
 */
export const IncidentEntity = defineEntity({
  name: 'Incident',
  tableName: 'incident',
  properties: (p) => ({
    id: p.uuid().primary(),
    title: p.text(),
    severity: p.text().$type<IncidentSeverity>(),
    status: p.text().$type<IncidentStatus>(),
    summary: p.text().nullable(),
    openedBy: p.text(),
    openedAt: p.datetime().columnType('timestamptz'),
    acknowledgedBy: p.text().nullable(),
    acknowledgedAt: p.datetime().columnType('timestamptz').nullable(),
    resolvedBy: p.text().nullable(),
    resolvedAt: p.datetime().columnType('timestamptz').nullable(),
    resolutionNote: p.text().nullable(),
    postmortem: p.text().nullable(),
    escalationPolicyId: p.uuid().nullable(),
    escalationLevel: p.integer().nullable(),
    escalationRound: p.integer().default(0),
    nextEscalationAt: p.datetime().columnType('timestamptz').nullable(),
  }),
});

export type Incident = InferEntity<typeof IncidentEntity>;

/** One entry of an incident's timeline, in the order written (`id` is a sequence). */
export const IncidentEventEntity = defineEntity({
  name: 'IncidentEvent',
  tableName: 'incident_event',
  properties: (p) => ({
    id: p.bigint().primary(),
    incidentId: p.uuid(),
    at: p.datetime().columnType('timestamptz'),
    kind: p.text().$type<IncidentEventKind>(),
    actor: p.text(),
    detail: p.json<Record<string, unknown>>(),
  }),
});

export type IncidentEvent = InferEntity<typeof IncidentEventEntity>;

/** An alert linked to an incident; resolved with the alert (the incident auto-resolves with its last one). */
export const IncidentAlertEntity = defineEntity({
  name: 'IncidentAlert',
  tableName: 'incident_alert',
  properties: (p) => ({
    incidentId: p.uuid().primary(),
    alertId: p.uuid().primary(),
    fingerprint: p.text(),
    rule: p.text(),
    linkedAt: p.datetime().columnType('timestamptz'),
    resolvedAt: p.datetime().columnType('timestamptz').nullable(),
  }),
});

export type IncidentAlert = InferEntity<typeof IncidentAlertEntity>;

/**
 * Who is told about an open incident, and when: each level `afterMinutes` after its round began; a
 * round lasts until `repeatAfterMinutes` after its last level, and starts over `repeat` times.
 */
export const EscalationPolicyEntity = defineEntity({
  name: 'EscalationPolicy',
  tableName: 'escalation_policy',
  properties: (p) => ({
    id: p.uuid().primary(),
    name: p.text().unique(),
    levels: p.json<EscalationLevel[]>(),
    repeat: p.integer(),
    repeatAfterMinutes: p.integer(),
    createdBy: p.text(),
    createdAt: p.datetime().columnType('timestamptz').defaultRaw('now()'),
  }),
});

export type EscalationPolicy = InferEntity<typeof EscalationPolicyEntity>;
