import { defineEntity, type InferEntity } from '@mikro-orm/core';

export type AlertSeverity = 'critical' | 'warning' | 'info';
export type AlertStatus = 'FIRING' | 'RESOLVED';

/**
 * One alert: a rule's condition for one set of labels. Its fingerprint (rule and labels) is its
 * identity, so a condition seen again refreshes the same row instead of raising a second alert; once
 * resolved, the same condition coming back fires that row again.
 */
export const AlertEntity = defineEntity({
  name: 'Alert',
  tableName: 'alert',
  properties: (p) => ({
    id: p.uuid().primary(),
    fingerprint: p.text().unique(),
    rule: p.text(),
    labels: p.json<Record<string, string>>(),
    severity: p.text().$type<AlertSeverity>(),
    summary: p.text(),
    value: p.double().nullable(),
    status: p.text().$type<AlertStatus>(),
    startsAt: p.datetime().columnType('timestamptz'),
    lastSeenAt: p.datetime().columnType('timestamptz'),
    endsAt: p.datetime().columnType('timestamptz').nullable(),
    runbook: p.text(),
  }),
});

export type Alert = InferEntity<typeof AlertEntity>;
