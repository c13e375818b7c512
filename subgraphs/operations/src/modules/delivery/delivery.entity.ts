import { defineEntity, type InferEntity } from '@mikro-orm/core';

export type DeliveryStatus = 'PENDING' | 'DELIVERED' | 'FAILED';

/** One notification to one channel: sent by a job, retried with backoff, its outcome kept. */
export const DeliveryEntity = defineEntity({
  name: 'Delivery',
  tableName: 'delivery',
  properties: (p) => ({
    id: p.uuid().primary(),
    notificationId: p.uuid(),
    channelId: p.uuid(),
    status: p.text().$type<DeliveryStatus>().default('PENDING'),
    attempts: p.integer().default(0),
    lastError: p.text().nullable(),
    createdAt: p.datetime().columnType('timestamptz').defaultRaw('now()'),
    deliveredAt: p.datetime().columnType('timestamptz').nullable(),
    /** What the channel calls it, e.g. the GitHub issue number. */
    externalRef: p.text().nullable(),
  }),
});

export type Delivery = InferEntity<typeof DeliveryEntity>;
