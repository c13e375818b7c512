import { BadUserInputError, ForbiddenError } from '@ecp/errors/errors';
import { hasRole, type Principal } from '@ecp/identity/principal';
import type { EntityManager } from '@mikro-orm/postgresql';

/** The distribution of the divergence scores given in a period. */
export interface DivergenceStats {
  count: number;
  mean: number | null;
  p50: number | null;
  p90: number | null;
  /** Scores that exceeded the threshold in force when they were given. */
  aboveThreshold: number;
  /** Ten buckets of 0.1 from 0 to 1; the last includes 1. */
  buckets: { from: number; to: number; count: number }[];
}

/** Polls opened and closed in a period, and the closed ones that reached their quorum. */
export interface PollStats {
  opened: number;
  closed: number;
  quorumMet: number;
}

const MAX_PERIOD_MS = 366 * 24 * 3600_000;
const BUCKETS = 10;

function checkPeriod(from: Date, to: Date): void {
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
 * Counts over a period for operations' report and for the people who watch advice (analysts,
 * operators, admins): figures only, no poll or decision content.
 */
export class AdviceStatsService {
  constructor(private readonly deps: { em: EntityManager; principal: Principal }) {}

  private authorize(from: Date, to: Date): void {
    const { principal } = this.deps;
    if (principal.kind !== 'service' && !hasRole(principal, 'ANALYST', 'OPERATOR', 'ADMIN')) {
      throw new ForbiddenError('Advice statistics are for services, analysts, operators and admins.');
    }
    checkPeriod(from, to);
  }

  async divergence(from: Date, to: Date): Promise<DivergenceStats> {
    this.authorize(from, to);
    const sql = this.deps.em.getConnection();
    const [summary] = await sql.execute<
      { count: number; mean: number | null; p50: number | null; p90: number | null; above: number }[]
    >(
      `select count(*)::int as count, avg(combined)::float8 as mean,
              percentile_cont(0.5) within group (order by combined)::float8 as p50,
              percentile_cont(0.9) within group (order by combined)::float8 as p90,
              count(*) filter (where exceeded)::int as above
         from advisory.divergence where scored_at >= ? and scored_at < ?`,
      [from, to],
    );
    const rows = await sql.execute<{ bucket: number; count: number }[]>(
      `select least(floor(combined * ${BUCKETS}), ${BUCKETS - 1})::int as bucket, count(*)::int as count
         from advisory.divergence where scored_at >= ? and scored_at < ? group by 1`,
      [from, to],
    );
    const byBucket = new Map(rows.map((r) => [r.bucket, r.count]));
    return {
      count: summary?.count ?? 0,
      mean: summary?.mean ?? null,
      p50: summary?.p50 ?? null,
      p90: summary?.p90 ?? null,
      aboveThreshold: summary?.above ?? 0,
      buckets: Array.from({ length: BUCKETS }, (_, i) => ({
        from: i / BUCKETS,
        to: (i + 1) / BUCKETS,
        count: byBucket.get(i) ?? 0,
      })),
    };
  }

  async polls(from: Date, to: Date): Promise<PollStats> {
    this.authorize(from, to);
    const [row] = await this.deps.em.getConnection().execute<PollStats[]>(
      `select count(*) filter (where created_at >= ? and created_at < ?)::int as opened,
              count(*) filter (where closed_at >= ? and closed_at < ?)::int as closed,
              count(*) filter (where closed_at >= ? and closed_at < ? and (result->>'quorumMet')::boolean)::int as "quorumMet"
         from advisory.poll`,
      [from, to, from, to, from, to],
    );
    return row ?? { opened: 0, closed: 0, quorumMet: 0 };
  }
}
