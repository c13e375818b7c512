import { defineEntity, type InferEntity } from '@mikro-orm/core';

/** An operator's emergency session past the Liability Firewall: at most 15 minutes, then it expires. */
export const BreakGlassSessionEntity = defineEntity({
  name: 'BreakGlassSession',
  tableName: 'break_glass_session',
  properties: (p) => ({
    id: p.uuid().primary(),
    operatorId: p.uuid(),
    reason: p.text(),
    openedAt: p.datetime().columnType('timestamptz').defaultRaw('now()'),
    expiresAt: p.datetime().columnType('timestamptz'),
    closedAt: p.datetime().columnType('timestamptz').nullable(),
  }),
});

export type BreakGlassSession = InferEntity<typeof BreakGlassSessionEntity>;
