import type { EntityManager } from '@mikro-orm/postgresql';
import DataLoader from 'dataloader';
import { type Calibration, calibrationOf } from './calibration';
import { type OutcomeReport, OutcomeReportEntity } from './outcome-report.entity';

/** Agents' calibration, computed from their outcome reports. */
export class CalibrationService {
  private readonly byAgent: DataLoader<string, Calibration>;
  private readonly byDecision: DataLoader<string, OutcomeReport[]>;

  constructor(deps: { em: EntityManager }) {
    this.byDecision = new DataLoader(async (decisionIds) => {
      const reports = await deps.em.find(
        OutcomeReportEntity,
        { decisionId: { $in: [...decisionIds] } },
        { orderBy: { reportedAt: 'asc', id: 'asc' } },
      );
      return decisionIds.map((id) => reports.filter((r) => r.decisionId === id));
    });
    // One query for all the agents in a response, however many the gateway asks about at once.
    this.byAgent = new DataLoader(async (agentIds) => {
      const reports = await deps.em.find(
        OutcomeReportEntity,
        { agentId: { $in: [...agentIds] } },
        { fields: ['agentId', 'statedConfidence', 'success'] },
      );
      const grouped = new Map<string, Pick<OutcomeReport, 'statedConfidence' | 'success'>[]>();
      for (const r of reports) grouped.set(r.agentId, [...(grouped.get(r.agentId) ?? []), r]);
      return agentIds.map((id) => calibrationOf(grouped.get(id) ?? []));
    });
  }

  /** The outcomes reported for a decision, oldest first; readable by every authenticated caller. */
  outcomesOf(decisionId: string): Promise<OutcomeReport[]> {
    return this.byDecision.load(decisionId);
  }

  /** An agent's calibration; readable by every authenticated caller, since advice weighs agents by it. */
  forAgent(agentId: string): Promise<Calibration> {
    return this.byAgent.load(agentId);
  }
}
