import { BadUserInputError, ForbiddenError } from '@ecp/errors/errors';
import { hasRole, type Principal } from '@ecp/identity/principal';
import type { EntityManager } from '@mikro-orm/postgresql';

/** How many decisions one jurisdiction or category had. */
export interface KeyCount {
  key: string;
  count: number;
}

/** Decisions recorded in a period, and what became of the decisions the firewall held. */
export interface DecisionStats {
  count: number;
  byJurisdiction: KeyCount[];
  byCategory: KeyCount[];
  held: { held: number; committed: number; rejected: number; pending: number };
}

/** The longest period one question may cover: reports ask for 4 hours, people for a month or so. */
const MAX_PERIOD_MS = 366 * 24 * 3600_000;

/** Checks a period [from, to): typed errors naming the argument. */
export function checkPeriod(from: Date, to: Date): void {
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
}

/**
 * Counts over a period, for operations' report and for people who watch the ledger (analysts,
 * operators, admins). Counts only: no decision's content is shown.
 */
export class DecisionStatsService {
  constructor(private readonly deps: { em: EntityManager; principal: Principal }) {}

  async stats(from: Date, to: Date): Promise<DecisionStats> {
    const { principal } = this.deps;
    if (principal.kind !== 'service' && !hasRole(principal, 'ANALYST', 'OPERATOR', 'ADMIN')) {
      throw new ForbiddenError('Decision statistics are for services, analysts, operators and admins.');
    }
    checkPeriod(from, to);
    const sql = this.deps.em.getConnection();
    const grouped = (column: 'jurisdiction' | 'category') =>
      sql.execute<KeyCount[]>(
        `select ${column} as key, count(*)::int as count from ledger.decision
          where recorded_at >= ? and recorded_at < ? group by ${column} order by count desc, key`,
        [from, to],
      );
    const [byJurisdiction, byCategory, heldRows] = await Promise.all([
      grouped('jurisdiction'),
      grouped('category'),
      sql.execute<{ held: number; committed: number; rejected: number; pending: number }[]>(
        `select count(*) filter (where created_at >= ? and created_at < ?)::int as held,
                count(*) filter (where status = 'COMMITTED' and decided_at >= ? and decided_at < ?)::int as committed,
                count(*) filter (where status = 'REJECTED' and decided_at >= ? and decided_at < ?)::int as rejected,
                count(*) filter (where created_at < ? and (decided_at is null or decided_at >= ?))::int as pending
           from ledger.held_decision`,
        [from, to, from, to, from, to, to, to],
      ),
    ]);
    return {
      count: byJurisdiction.reduce((n, c) => n + c.count, 0),
      byJurisdiction,
      byCategory,
      held: heldRows[0] ?? { held: 0, committed: 0, rejected: 0, pending: 0 },
    };
  }
}
