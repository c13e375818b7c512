import type { DecisionBody, DecisionSignature } from '@ecp/ledger-format/decision-entry';
import { defineEntity, type InferEntity } from '@mikro-orm/core';
import type { HoldReason } from './gate';

export type DecisionStatus = 'COMMITTED' | 'PENDING_APPROVAL' | 'REJECTED';

/** The exact proposal a held decision is: what the agent sent, byte for byte once canonicalised. */
export interface HeldProposal {
  body: DecisionBody;
  signature: DecisionSignature | null;
}

/**
 * A decision the Liability Firewall held: the proposal, its SHA-256, why it was held, how many
 * approvers it needs and what became of it. Mutable only in `status`, `ledgerIndex` and `decidedAt`.
 */
export const HeldDecisionEntity = defineEntity({
  name: 'HeldDecision',
  tableName: 'held_decision',
  properties: (p) => ({
    id: p.uuid().primary(),
    agentId: p.uuid(),
    idempotencyKey: p.text(),
    jurisdiction: p.text(),
    category: p.text(),
    proposal: p.json<HeldProposal>(),
    proposalSha256: p.text(),
    holdReasons: p.json<HoldReason[]>(),
    frictionAssessmentId: p.uuid().nullable(),
    policyVersion: p.text().nullable(),
    approvalsNeeded: p.integer(),
    /** The decision named a lesson version and chose its best option (for the liability allocation). */
    consortiumFollowed: p.boolean(),
    signingKeyId: p.uuid().nullable(),
    cites: p.array().columnType('text[]'),
    status: p.text().$type<DecisionStatus>(),
    ledgerIndex: p.bigint('string').nullable(),
    createdAt: p.datetime().columnType('timestamptz'),
    expiresAt: p.datetime().columnType('timestamptz'),
    decidedAt: p.datetime().columnType('timestamptz').nullable(),
  }),
});
export type HeldDecision = InferEntity<typeof HeldDecisionEntity>;

/** An approval or rejection entry of a held decision, as projected from the ledger. Insert-only. */
export const DecisionReviewEntity = defineEntity({
  name: 'DecisionReview',
  tableName: 'decision_review',
  properties: (p) => ({
    entryIndex: p.bigint('string').primary(),
    decisionId: p.uuid(),
    verdict: p.text().$type<'APPROVAL' | 'REJECTION'>(),
    reviewerId: p.text(),
    proposalSha256: p.text(),
    reason: p.text(),
    recordedAt: p.datetime().columnType('timestamptz'),
  }),
});
export type DecisionReview = InferEntity<typeof DecisionReviewEntity>;
