import type { EntityManager } from '@mikro-orm/postgresql';
import DataLoader from 'dataloader';
import { type Calibration, calibrationOf } from './calibration';
import { type OutcomeReport, OutcomeReportEntity } from './outcome-report.entity';

/** Agents' calibration, computed from their outcome reports. */
export class CalibrationService {
  private readonly byAgent: DataLoader<string, Calibration>;

  constructor(deps: { em: EntityManager }) {
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

  /** An agent's calibration; readable by every authenticated caller, since advice weighs agents by it. */
  forAgent(agentId: string): Promise<Calibration> {
    return this.byAgent.load(agentId);
  }
}
