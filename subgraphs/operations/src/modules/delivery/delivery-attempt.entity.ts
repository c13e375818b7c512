import { defineEntity, type InferEntity } from '@mikro-orm/core';

export type AttemptOutcome = 'OK' | 'ERROR';

/**
 * One try of a delivery: when, how long, and how it ended (the HTTP status or SMTP reply code, and
 * the error with every URL and secret taken out).
 */
export const DeliveryAttemptEntity = defineEntity({
  name: 'DeliveryAttempt',
  tableName: 'delivery_attempt',
  properties: (p) => ({
    id: p.uuid().primary(),
    deliveryId: p.uuid(),
    /** 1 for the first try of the delivery, counting every try recorded. */
    attempt: p.integer(),
    startedAt: p.datetime().columnType('timestamptz'),
    finishedAt: p.datetime().columnType('timestamptz'),
    durationMs: p.integer(),
    outcome: p.text().$type<AttemptOutcome>(),
    statusCode: p.integer().nullable(),
    error: p.text().nullable(),
  }),
});

export type DeliveryAttempt = InferEntity<typeof DeliveryAttemptEntity>;
