import { createHash } from 'node:crypto';
import type { EvidenceDigest } from './outcome-report.entity';

/** The ledger kind every outcome report is recorded as. */
export const OUTCOME_REPORT_KIND = 'ecp.outcome-report/v1';

/**
 * The id of the report on `decisionId` that supersedes `supersedes` (null: the first report): derived,
 * not drawn, so that a retried report names the same id, the same ledger body, and the same
 * idempotency key. Formatted as an RFC 9562 version 8 UUID (custom, here SHA-256 based).
 */
export function reportIdOf(decisionId: string, supersedes: string | null): string {
  const hex = createHash('sha256')
    .update(`ecp.outcome-report:${decisionId}:${supersedes ?? 'first'}`)
    .digest('hex');
  const variant = ((Number.parseInt(hex[16]!, 16) & 0x3) | 0x8).toString(16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-8${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

/** The idempotency key of a report's append: one entry per (decision, superseded report). */
export function reportIdempotencyKey(decisionId: string, supersedes: string | null): string {
  return `outcome-report:${decisionId}:${supersedes ?? 'first'}`;
}

export interface OutcomeReportBody {
  reportId: string;
  decisionId: string;
  agentId: string;
  jurisdiction: string;
  category: string;
  chosenOption: string;
  statedConfidence: number;
  success: number;
  evidence: EvidenceDigest[];
  note: string | null;
  supersedes: string | null;
}

/** The body of a report's `ecp.outcome-report/v1` entry (`schema/ledger/ecp.outcome-report.v1.schema.json`). */
export function outcomeReportBody(report: OutcomeReportBody): Record<string, unknown> {
  return {
    reportId: report.reportId,
    decisionId: report.decisionId,
    agentId: report.agentId,
    jurisdiction: report.jurisdiction,
    category: report.category,
    chosenOption: report.chosenOption,
    statedConfidence: report.statedConfidence,
    success: report.success,
    evidence: report.evidence.map((e) => ({ name: e.name, algorithm: e.algorithm, digest: e.digest })),
    note: report.note,
    supersedes: report.supersedes,
  };
}
