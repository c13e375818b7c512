import { isUuid } from '@ecp/db/ids';
import type { EntityManager } from '@mikro-orm/postgresql';
import DataLoader from 'dataloader';
import { DivergenceEntity, type DivergenceRow } from './divergence.entity';

/** Divergence scores as read back: by decision, batched per request. */
export class DivergenceService {
  private readonly byDecision: DataLoader<string, DivergenceRow | null>;

  constructor(deps: { em: EntityManager }) {
    this.byDecision = new DataLoader(async (ids) => {
      const rows = await deps.em.find(DivergenceEntity, { decisionId: { $in: [...ids] } });
      const found = new Map(rows.map((r) => [r.decisionId, r]));
      return ids.map((id) => found.get(id) ?? null);
    });
  }

  /** A decision's divergence once scored (the consumer runs within moments of the commit); null before. */
  forDecision(decisionId: string): Promise<DivergenceRow | null> {
    return isUuid(decisionId) ? this.byDecision.load(decisionId) : Promise.resolve(null);
  }
}
