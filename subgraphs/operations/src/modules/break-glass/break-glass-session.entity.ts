import { defineEntity, type InferEntity } from '@mikro-orm/core';

/** How a session ended: closed by a person, or by itself at its expiry. */
export type BreakGlassCloseReason = 'CLOSED' | 'EXPIRED';

/** An operator's emergency session past the Liability Firewall: at most 15 minutes, then it expires. */
export const BreakGlassSessionEntity = defineEntity({
  name: 'BreakGlassSession',
  tableName: 'break_glass_session',
  properties: (p) => ({
    id: p.uuid().primary(),
    operatorId: p.uuid(),
    reason: p.text(),
    /** The incident it was opened for, if any. */
    incidentId: p.uuid().nullable(),
    openedAt: p.datetime().columnType('timestamptz').defaultRaw('now()'),
    expiresAt: p.datetime().columnType('timestamptz'),
    closedAt: p.datetime().columnType('timestamptz').nullable(),
    closeReason: p.text().$type<BreakGlassCloseReason>().nullable(),
    /** Who closed it by hand; null when it expired (or is open). */
    closedBy: p.uuid().nullable(),
    /** Ledger indexes (decimal) of its `ecp.break-glass-opened/v1` and `ecp.break-glass-closed/v1` entries. */
    openedEntryIndex: p.bigint('string').nullable(),
    closedEntryIndex: p.bigint('string').nullable(),
  }),
});

export type BreakGlassSession = InferEntity<typeof BreakGlassSessionEntity>;

export type BreakGlassReviewStatus = 'OPEN' | 'REVIEWED';

/** The review a closed session waits for, from an operator other than the one who broke the glass. */
export const BreakGlassReviewEntity = defineEntity({
  name: 'BreakGlassReview',
  tableName: 'break_glass_review',
  properties: (p) => ({
    sessionId: p.uuid().primary(),
    status: p.text().$type<BreakGlassReviewStatus>(),
    reviewerId: p.uuid().nullable(),
    note: p.text().nullable(),
    createdAt: p.datetime().columnType('timestamptz').defaultRaw('now()'),
    reviewedAt: p.datetime().columnType('timestamptz').nullable(),
  }),
});

export type BreakGlassReview = InferEntity<typeof BreakGlassReviewEntity>;
