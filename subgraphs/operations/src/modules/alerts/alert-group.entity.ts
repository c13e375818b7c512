import { defineEntity, type InferEntity } from '@mikro-orm/core';

/**
 * A group of alerts notified together, as Alertmanager groups them: one rule and the values of that
 * rule's group-by labels. Its notifications are one thread (one GitHub issue); its row keeps what was
 * last told (the firing alerts and their digest) and when it is next due to be looked at, so that the
 * flush job recomputes everything from the rows whenever it runs.
 */
export const AlertGroupEntity = defineEntity({
  name: 'AlertGroup',
  tableName: 'alert_group',
  properties: (p) => ({
    id: p.uuid().primary(),
    /** The rule and its group-by label values, e.g. `environment-down{environment="prod"}`. */
    groupKey: p.text().unique(),
    rule: p.text(),
    groupLabels: p.json<Record<string, string>>(),
    createdAt: p.datetime().columnType('timestamptz'),
    /** A notification opened the thread and no resolve notice has closed it since. */
    threadOpen: p.boolean().default(false),
    /** When the open thread's first notification went out. */
    firstNotifiedAt: p.datetime().columnType('timestamptz').nullable(),
    lastNotifiedAt: p.datetime().columnType('timestamptz').nullable(),
    /** SHA-256 of the firing alerts last notified (id and start of each): a change is a new digest. */
    lastDigest: p.text().nullable(),
    /** The alerts last notified as firing, to tell which of them resolved since. */
    notifiedAlertIds: p.json<string[]>(),
    /** When the flush job is next due; null when nothing is pending. */
    nextFlushAt: p.datetime().columnType('timestamptz').nullable(),
  }),
});

export type AlertGroup = InferEntity<typeof AlertGroupEntity>;
