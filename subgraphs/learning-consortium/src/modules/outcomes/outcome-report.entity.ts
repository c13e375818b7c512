import { defineEntity, type InferEntity } from '@mikro-orm/core';

/** A digest of evidence an outcome report relies on: a name and the SHA-256 of the evidence. */
export interface EvidenceDigest {
  name: string;
  algorithm: 'sha-256';
  digest: string;
}

/**
 * How a committed decision turned out, as its agent (or an operator) reported it: one per decision,
 * corrected only by a new report that supersedes it. Recorded in the ledger (`ecp.outcome-report/v1`)
 * before it is stored here; `weight` is the deciding agent's calibration weight when it was accepted,
 * the weight it counts with in the lessons; `appliedAt` is set when the lessons consumer applied it.
 */
export const OutcomeReportEntity = defineEntity({
  name: 'OutcomeReport',
  tableName: 'outcome_report',
  properties: (p) => ({
    id: p.uuid().primary(),
    decisionId: p.uuid(),
    agentId: p.uuid(),
    reportedBy: p.text(),
    jurisdiction: p.text(),
    category: p.text(),
    chosenOption: p.text(),
    statedConfidence: p.float().columnType('double precision'),
    success: p.float().columnType('double precision'),
    evidence: p.json<EvidenceDigest[]>(),
    note: p.text().nullable(),
    supersedes: p.uuid().nullable(),
    weight: p.float().columnType('double precision'),
    ledgerIndex: p.bigint().columnType('bigint'),
    ledgerLeafHash: p.text(),
    reportedAt: p.datetime().columnType('timestamptz').defaultRaw('now()'),
    appliedAt: p.datetime().columnType('timestamptz').nullable(),
  }),
});

export type OutcomeReport = InferEntity<typeof OutcomeReportEntity>;
