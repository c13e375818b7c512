import { BadUserInputError, ForbiddenError } from '@ecp/errors/errors';
import { hasRole, type Principal } from '@ecp/identity/principal';
import type { EntityManager } from '@mikro-orm/postgresql';

/** Outcomes reported in a period (corrections included), and their mean success. */
export interface OutcomeStats {
  count: number;
  /** Mean of the reports' success, in [0, 1]; null when none was reported. */
  meanSuccess: number | null;
}

const MAX_PERIOD_MS = 366 * 24 * 3600_000;

/** Counts over a period for operations' report and for analysts, operators and admins. */
export class OutcomeStatsService {
  constructor(private readonly deps: { em: EntityManager; principal: Principal }) {}

  async stats(from: Date, to: Date): Promise<OutcomeStats> {
    const { principal } = this.deps;
    if (principal.kind !== 'service' && !hasRole(principal, 'ANALYST', 'OPERATOR', 'ADMIN')) {
      throw new ForbiddenError('Outcome statistics are for services, analysts, operators and admins.');
    }
    if (from.getTime() >= to.getTime()) {
      throw new BadUserInputError('The period must end after it starts.', [
        { path: 'to', reason: 'not after from' },
      ]);
    }
    if (to.getTime() - from.getTime() > MAX_PERIOD_MS) {
      throw new BadUserInputError('The period may cover at most 366 days.', [
        { path: 'to', reason: 'more than 366 days after from' },
      ]);
    }
    const [row] = await this.deps.em.getConnection().execute<{ count: number; mean: number | null }[]>(
      `select count(*)::int as count, avg(success)::float8 as mean
         from learning.outcome_report where reported_at >= ? and reported_at < ?`,
      [from, to],
    );
    return { count: row?.count ?? 0, meanSuccess: row?.mean ?? null };
  }
}
