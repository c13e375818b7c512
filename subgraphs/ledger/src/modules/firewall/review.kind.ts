import { registerEntrySchema } from '@ecp/ledger-format/entry-schemas';
import decisionApprovalV1 from '@ecp/schema/ledger/ecp.decision-approval.v1.schema.json' with {
  type: 'json',
};
import decisionRejectionV1 from '@ecp/schema/ledger/ecp.decision-rejection.v1.schema.json' with {
  type: 'json',
};
import type { PoolClient } from 'pg';
import { type EntryKind, serviceIdempotency } from '../entries/entry-kind';

/** What a review entry projects into `ledger.decision_review`. */
export interface ReviewProjection {
  decisionId: string;
  reviewerId: string;
  proposalSha256: string;
  reason: string;
}

/** Who the ledger appends its own entries as (`recordedBy`), and whose idempotency keys they use. */
export const LEDGER_ITSELF = 'service:ledger';

/** The reviewer id of the system's own rejection (an expired proposal). */
export const SYSTEM_REVIEWER = 'system';

async function projectReviews(
  db: PoolClient,
  verdict: 'APPROVAL' | 'REJECTION',
  appended: readonly { index: bigint; recordedAt: string; projection: ReviewProjection }[],
): Promise<[]> {
  if (appended.length === 0) return [];
  // The partial unique index on (decision_id, reviewer_id) for approvals refuses a second approval by
  // one person even if it got past the service's checks: the batch is split and only it fails.
  await db.query(
    `insert into ledger.decision_review (entry_index, decision_id, verdict, reviewer_id, proposal_sha256, reason, recorded_at)
       select i, d, $1, r, h, t, a from unnest($2::bigint[], $3::uuid[], $4::text[], $5::text[], $6::text[], $7::timestamptz[])
         as x(i, d, r, h, t, a)`,
    [
      verdict,
      appended.map((a) => a.index.toString()),
      appended.map((a) => a.projection.decisionId),
      appended.map((a) => a.projection.reviewerId),
      appended.map((a) => a.projection.proposalSha256),
      appended.map((a) => a.projection.reason),
      appended.map((a) => a.recordedAt),
    ],
  );
  return [];
}

/**
 * `ecp.decision-approval/v1`: an operator's approval of a held decision, appended by the ledger itself
 * (never through the append command). Its idempotency key is the approver's on the proposal, so a
 * second approval by one person is answered with the first and counted once.
 */
export const decisionApprovalKind: EntryKind<ReviewProjection> = {
  kind: registerEntrySchema(decisionApprovalV1),
  appendedBy: 'ledger',
  idempotency: serviceIdempotency,
  project: (db, appended) => projectReviews(db, 'APPROVAL', appended),
};

/** `ecp.decision-rejection/v1`: the end of a held decision, by an operator or by expiry. One per proposal. */
export const decisionRejectionKind: EntryKind<ReviewProjection> = {
  kind: registerEntrySchema(decisionRejectionV1),
  appendedBy: 'ledger',
  idempotency: serviceIdempotency,
  project: (db, appended) => projectReviews(db, 'REJECTION', appended),
};
