import { isUuid } from '@ecp/db/ids';
import {
  BadUserInputError,
  ConflictError,
  type ErrorDetail,
  ForbiddenError,
  NotFoundError,
} from '@ecp/errors/errors';
import type { Outbox } from '@ecp/events/outbox';
import { hasRole, type Principal } from '@ecp/identity/principal';
import type { Logger } from '@ecp/logging/logger';
import { UniqueConstraintViolationException } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import DataLoader from 'dataloader';
import type { LearningLedger, LedgerCall } from '../../ledger/learning-ledger';
import { OUTCOME_REPORTED } from '../../topics';
import { calibrationOf } from '../calibration/calibration';
import { currentReportsOf } from '../calibration/calibration.service';
import { OUTCOME_REPORT_KIND, outcomeReportBody, reportIdempotencyKey, reportIdOf } from './outcome-entry';
import { type EvidenceDigest, type OutcomeReport, OutcomeReportEntity } from './outcome-report.entity';

export interface ReportOutcomeInput {
  decisionId: string;
  success: number;
  evidenceDigests?: readonly { name: string; digest: string }[] | null;
  note?: string | null;
  supersedes?: string | null;
}

const MAX_EVIDENCE = 64;
const MAX_NOTE = 2000;
const DIGEST = /^[0-9a-f]{64}$/;

interface Deps {
  em: EntityManager;
  principal: Principal;
  logger: Logger;
  requestId: string;
  ledger: LearningLedger;
  outbox: Outbox;
  shrinkage: number;
}

/**
 * Outcome reports: how committed decisions turned out. Each is recorded in the ledger first
 * (`ecp.outcome-report/v1`, idempotent on the decision and the report it supersedes), then stored
 * with its `outcomeReported` event in one transaction; the lessons consumer applies it.
 */
export class OutcomeService {
  private readonly byDecision: DataLoader<string, OutcomeReport[]>;
  private readonly supersededBy: DataLoader<string, OutcomeReport | null>;

  constructor(private readonly deps: Deps) {
    this.byDecision = new DataLoader(async (decisionIds) => {
      const reports = await deps.em.find(
        OutcomeReportEntity,
        { decisionId: { $in: [...decisionIds] } },
        { orderBy: { reportedAt: 'asc', id: 'asc' } },
      );
      return decisionIds.map((id) => reports.filter((r) => r.decisionId === id));
    });
    this.supersededBy = new DataLoader(async (ids) => {
      const later = await deps.em.find(OutcomeReportEntity, { supersedes: { $in: [...ids] } });
      return ids.map((id) => later.find((r) => r.supersedes === id) ?? null);
    });
  }

  /** The outcomes reported for a decision, oldest first (corrections included); readable by everyone. */
  outcomesOf(decisionId: string): Promise<OutcomeReport[]> {
    return this.byDecision.load(decisionId);
  }

  /** The report that corrects this one, if any. */
  supersedingOf(reportId: string): Promise<OutcomeReport | null> {
    return this.supersededBy.load(reportId);
  }

  async get(id: string): Promise<OutcomeReport | null> {
    return isUuid(id) ? this.deps.em.findOne(OutcomeReportEntity, { id }) : null;
  }

  /**
   * Reports how a committed decision turned out: its agent may, and so may an OPERATOR or ADMIN.
   * One report per decision; a correction names the report it `supersedes`. Bad input, an unknown
   * decision, another agent's decision or a second report change nothing.
   */
  async report(input: ReportOutcomeInput): Promise<OutcomeReport> {
    const { principal, em, logger, ledger } = this.deps;
    const operator = hasRole(principal, 'OPERATOR', 'ADMIN');
    if (!operator && !(principal.kind === 'agent' && hasRole(principal, 'AGENT'))) {
      throw new ForbiddenError(
        'Reporting outcomes needs the AGENT role (for its own decisions) or OPERATOR.',
      );
    }
    const problems = inputProblems(input);
    if (problems.length > 0) {
      throw new BadUserInputError(
        `Invalid outcome report: ${problems.map((p) => `${p.path} ${p.reason}`).join('; ')}.`,
        problems,
      );
    }
    const [decision] = await ledger.decisions([input.decisionId], this.call());
    if (!decision) throw new NotFoundError(`No committed decision has id ${input.decisionId}.`);
    if (!operator && decision.agent.id !== principal.id) {
      throw new ForbiddenError('An agent reports outcomes of its own decisions only.');
    }
    const supersedes = input.supersedes ?? null;
    const earlier = await em.find(OutcomeReportEntity, { decisionId: decision.id });
    const superseded = new Set(earlier.flatMap((r) => (r.supersedes ? [r.supersedes] : [])));
    const current = earlier.find((r) => !superseded.has(r.id));
    if (supersedes === null && current) {
      throw new ConflictError(
        `Decision ${decision.id} already has an outcome report (${current.id}); correct it with a report that supersedes it.`,
        [{ path: 'input.supersedes', reason: `must name ${current.id} to correct it` }],
      );
    }
    if (supersedes !== null) {
      const target = earlier.find((r) => r.id === supersedes);
      if (!target) {
        throw new NotFoundError(`Decision ${decision.id} has no outcome report ${supersedes}.`);
      }
      if (superseded.has(target.id)) {
        throw new ConflictError(`Outcome report ${supersedes} was already superseded.`, [
          { path: 'input.supersedes', reason: `already superseded; the current report is ${current?.id}` },
        ]);
      }
    }
    // The weight it counts with: the deciding agent's record before this report (without the one it replaces).
    const record = await currentReportsOf(em, [decision.agent.id], supersedes ? [supersedes] : []);
    const weight = calibrationOf(record.get(decision.agent.id) ?? [], this.deps.shrinkage).weight;
    const evidence: EvidenceDigest[] = (input.evidenceDigests ?? []).map((e) => ({
      name: e.name,
      algorithm: 'sha-256',
      digest: e.digest,
    }));
    const id = reportIdOf(decision.id, supersedes);
    const body = {
      reportId: id,
      decisionId: decision.id,
      agentId: decision.agent.id,
      jurisdiction: decision.jurisdiction,
      category: decision.category,
      chosenOption: decision.chosenOption,
      statedConfidence: decision.confidence,
      success: input.success,
      evidence,
      note: input.note ?? null,
      supersedes,
    };
    const entry = await ledger.append(
      {
        kind: OUTCOME_REPORT_KIND,
        body: outcomeReportBody(body),
        idempotencyKey: reportIdempotencyKey(decision.id, supersedes),
      },
      this.call(),
    );
    try {
      return await em.transactional(async (tx) => {
        const row = tx.create(OutcomeReportEntity, {
          ...body,
          id,
          reportedBy: principal.id,
          weight,
          ledgerIndex: BigInt(entry.index),
          ledgerLeafHash: entry.leafHash,
          reportedAt: new Date(),
          appliedAt: null,
        });
        await tx.flush();
        await this.deps.outbox.write(tx, [
          {
            topic: OUTCOME_REPORTED,
            key: { id },
            attributes: {
              decisionId: decision.id,
              agentId: decision.agent.id,
              jurisdiction: decision.jurisdiction,
              category: decision.category,
              ...(supersedes ? { supersedes } : {}),
            },
          },
        ]);
        logger.info(
          { reportId: id, decisionId: decision.id, ledgerIndex: entry.index, supersedes },
          'outcome reported',
        );
        return row;
      });
    } catch (err) {
      if (err instanceof UniqueConstraintViolationException) {
        throw new ConflictError(
          `Decision ${decision.id} was reported on meanwhile; read its outcomes and supersede.`,
        );
      }
      throw err;
    }
  }

  private call(): LedgerCall {
    const { principal, requestId, logger } = this.deps;
    return { actingFor: principal, requestId, logger };
  }
}

function inputProblems(input: ReportOutcomeInput): ErrorDetail[] {
  const problems: ErrorDetail[] = [];
  if (!isUuid(input.decisionId)) problems.push({ path: 'input.decisionId', reason: 'must be a UUID' });
  if (!(Number.isFinite(input.success) && input.success >= 0 && input.success <= 1)) {
    problems.push({ path: 'input.success', reason: 'must be in [0, 1]' });
  }
  if (input.supersedes != null && !isUuid(input.supersedes)) {
    problems.push({ path: 'input.supersedes', reason: 'must be a UUID' });
  }
  const evidence = input.evidenceDigests ?? [];
  if (evidence.length > MAX_EVIDENCE) {
    problems.push({ path: 'input.evidenceDigests', reason: `at most ${MAX_EVIDENCE}` });
  }
  evidence.forEach((e, i) => {
    if (e.name.length < 1 || e.name.length > 200)
      problems.push({ path: `input.evidenceDigests.${i}.name`, reason: 'must be 1 to 200 characters' });
    if (!DIGEST.test(e.digest))
      problems.push({ path: `input.evidenceDigests.${i}.digest`, reason: 'must be SHA-256, lowercase hex' });
  });
  if ((input.note ?? '').length > MAX_NOTE) {
    problems.push({ path: 'input.note', reason: `at most ${MAX_NOTE} characters` });
  }
  return problems;
}
