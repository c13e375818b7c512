import { DECISION_KIND, DECISION_KIND_V1, DECISION_KIND_V2 } from '@ecp/ledger-format/decision-entry';
import type { EntryKind, IdempotencyStore } from '../entries/entry-kind';
import { DECISION_RECORDED } from './ledger.topics';
import { type DecisionRow, ledgerStore } from './ledger-store';

/** What a decision entry projects: its queryable row and the entries it cites. */
export interface DecisionProjection {
  row: Omit<DecisionRow, 'ledgerIndex' | 'recordedAt'>;
  /** Indexes of the entries it cites (already checked to exist with the cited leaf hash). */
  cites: readonly bigint[];
}

/** A decision's idempotency key is its agent's: kept on its row in `ledger.decision`. */
const decisionIdempotency: IdempotencyStore = {
  name: 'decision',
  async lookup(db, keys) {
    const recorded = await ledgerStore.recordedDecisions(
      db,
      keys.map((k) => ({ agentId: k.owner, idempotencyKey: k.key })),
    );
    // Keyed by `keyOf` already: only the entry's place is kept.
    return new Map(
      [...recorded].map(([k, r]) => [
        k,
        { index: r.index, leafHash: r.leafHash, treeSize: r.treeSize, recordId: r.id },
      ]),
    );
  },
  // The key is a column of the decision's row, which the projection writes.
  async record() {},
};

/**
 * `ecp.decision/v3`: recorded by agents with `recordDecision` (or committed by the Liability Firewall
 * once approved); projects `ledger.decision` (with what the precedent search reads) and citations.
 * Entries of v1 and v2, written before, are decisions too.
 */
export const decisionKind: EntryKind<DecisionProjection> = {
  kind: DECISION_KIND,
  earlierKinds: [DECISION_KIND_V1, DECISION_KIND_V2],
  appendedBy: 'recordDecision',
  idempotency: decisionIdempotency,
  async project(db, appended) {
    const rows = appended.map((a) => ({
      ...a.projection.row,
      ledgerIndex: a.index,
      recordedAt: a.recordedAt,
    }));
    await ledgerStore.insertDecisions(db, rows);
    await ledgerStore.insertCitations(
      db,
      appended.flatMap((a) => a.projection.cites.map((cited) => ({ citing: a.index, cited }))),
    );
    return rows.map((d, i) => ({
      topic: DECISION_RECORDED,
      key: { id: d.id },
      attributes: {
        agentId: d.agentId,
        jurisdiction: d.jurisdiction,
        category: d.category,
        ledgerIndex: d.ledgerIndex.toString(),
      },
      // The consumers' jobs (divergence scoring…) continue the trace of the recordDecision that caused it.
      trace: appended[i]!.trace,
    }));
  },
};
