import type { EntityManager } from '@mikro-orm/postgresql';
import DataLoader from 'dataloader';
import { type Calibration, calibrationOf } from './calibration';

/** The reports of agents that count in their calibration now: those no later report supersedes. */
export async function currentReportsOf(
  em: EntityManager,
  agentIds: readonly string[],
  excluding: readonly string[] = [],
): Promise<Map<string, { statedConfidence: number; success: number }[]>> {
  const rows = await em
    .getConnection()
    .execute<{ agent_id: string; stated_confidence: number; success: number }[]>(
      `select r.agent_id, r.stated_confidence, r.success
       from learning.outcome_report r
      where r.agent_id = any(?::uuid[])
        and r.id <> all(?::uuid[])
        and not exists (select 1 from learning.outcome_report s where s.supersedes = r.id)`,
      [`{${agentIds.join(',')}}`, `{${excluding.join(',')}}`],
      'all',
      em.getTransactionContext(),
    );
  const grouped = new Map<string, { statedConfidence: number; success: number }[]>();
  for (const r of rows) {
    const list = grouped.get(r.agent_id) ?? [];
    list.push({ statedConfidence: r.stated_confidence, success: r.success });
    grouped.set(r.agent_id, list);
  }
  return grouped;
}

/** Agents' calibration, computed from their current outcome reports. */
export class CalibrationService {
  private readonly byAgent: DataLoader<string, Calibration>;

  constructor(private readonly deps: { em: EntityManager; shrinkage: number }) {
    // One query for all the agents in a response, however many the gateway asks about at once.
    this.byAgent = new DataLoader(async (agentIds) => {
      const grouped = await currentReportsOf(deps.em, agentIds);
      return agentIds.map((id) => calibrationOf(grouped.get(id) ?? [], deps.shrinkage));
    });
  }

  /** An agent's calibration; readable by every authenticated caller, since advice weighs agents by it. */
  forAgent(agentId: string): Promise<Calibration> {
    return this.byAgent.load(agentId);
  }

  /** Several agents' calibrations, in the order asked (unknown or silent agents: neutral). */
  async forAgents(agentIds: readonly string[]): Promise<{ agentId: string; calibration: Calibration }[]> {
    const uuids = agentIds.filter((id) => /^[0-9a-f-]{36}$/i.test(id));
    const grouped = uuids.length > 0 ? await currentReportsOf(this.deps.em, uuids) : new Map();
    return agentIds.map((agentId) => ({
      agentId,
      calibration: calibrationOf(grouped.get(agentId) ?? [], this.deps.shrinkage),
    }));
  }
}
