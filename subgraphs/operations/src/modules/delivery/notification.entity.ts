import { defineEntity, type InferEntity } from '@mikro-orm/core';

export type NotificationKind = 'ALERT' | 'INCIDENT' | 'BREAK_GLASS' | 'PM_REPORT' | 'DELIVERY_FAILURE';
export type ThreadAction = 'OPEN' | 'UPDATE' | 'CLOSE';

/** Something operations tells people, once, whatever the channels it goes to. */
export const NotificationEntity = defineEntity({
  name: 'Notification',
  tableName: 'notification',
  properties: (p) => ({
    id: p.uuid().primary(),
    kind: p.text().$type<NotificationKind>(),
    subject: p.text(),
    markdown: p.text(),
    /** Notifications of one thread (an alert group, an incident) share a GitHub issue. */
    threadKey: p.text().nullable(),
    action: p.text().$type<ThreadAction>(),
    idempotencyKey: p.text().nullable().unique(),
    createdAt: p.datetime().columnType('timestamptz').defaultRaw('now()'),
  }),
});

export type Notification = InferEntity<typeof NotificationEntity>;
