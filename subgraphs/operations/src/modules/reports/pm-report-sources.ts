import type { Logger } from '@ecp/logging/logger';
import type { ServiceDirectory } from '@ecp/service-kit/service-directory';
import { defineOperation } from '@ecp/service-kit/service-operation';
import type { EntityManager } from '@mikro-orm/postgresql';
import { queueRedis, readQueueState } from '../queues/queue-state';
import type {
  DecisionFigures,
  DivergenceFigures,
  HealthFigures,
  HeldFigures,
  IncidentFigures,
  OutcomeFigures,
  PmReportFigures,
  PollFigures,
  QueueFigures,
  Section,
} from './pm-report-figures';

/** A report's period: [start, end). */
export interface ReportPeriod {
  start: Date;
  end: Date;
}

type Period = { from: string; to: string };

const DECISION_STATS = defineOperation<{ decisionStats: DecisionFigures & { held: HeldFigures } }, Period>(`
  query DecisionStatsForReport($from: DateTime!, $to: DateTime!) {
    decisionStats(from: $from, to: $to) {
      count byJurisdiction { key count } byCategory { key count }
      held { held committed rejected pending }
    }
  }
`);

const ADVISORY_STATS = defineOperation<
  { divergenceStats: DivergenceFigures; pollStats: PollFigures },
  Period
>(`
  query AdvisoryStatsForReport($from: DateTime!, $to: DateTime!) {
    divergenceStats(from: $from, to: $to) { count mean p50 p90 aboveThreshold buckets { from to count } }
    pollStats(from: $from, to: $to) { opened closed quorumMet }
  }
`);

const OUTCOME_STATS = defineOperation<{ outcomeStats: OutcomeFigures }, Period>(`
  query OutcomeStatsForReport($from: DateTime!, $to: DateTime!) {
    outcomeStats(from: $from, to: $to) { count meanSuccess }
  }
`);

/** What the figures are read from: this subgraph's database, the other subgraphs, the queues' Redis. */
export interface ReportSources {
  em: EntityManager;
  services: ServiceDirectory;
  logger: Logger;
  queues: { redisUrl: string; prefix: string };
}

const reasonOf = (err: unknown) =>
  err && typeof err === 'object' && 'reason' in err && typeof err.reason === 'string'
    ? `${(err as { subgraph?: string }).subgraph ?? 'source'} ${err.reason}`
    : err instanceof Error
      ? err.message
      : String(err);

async function attempt<T>(logger: Logger, what: string, read: () => Promise<T>): Promise<Section<T>> {
  try {
    return { available: true, figures: await read() };
  } catch (err) {
    logger.warn({ err, section: what }, 'report section unavailable');
    return { available: false, reason: reasonOf(err) };
  }
}

/** Incidents opened and resolved in the period, and open at its end. */
async function incidentFigures(em: EntityManager, p: ReportPeriod): Promise<IncidentFigures> {
  const [row] = await em.getConnection().execute<{ opened: string; resolved: string; open_now: string }[]>(
    `select count(*) filter (where opened_at >= ?::timestamptz and opened_at < ?::timestamptz) as opened,
            count(*) filter (where resolved_at >= ?::timestamptz and resolved_at < ?::timestamptz) as resolved,
            count(*) filter (where opened_at < ?::timestamptz
                               and (resolved_at is null or resolved_at >= ?::timestamptz)) as open_now
       from operations.incident`,
    [p.start, p.end, p.start, p.end, p.end, p.end],
  );
  return {
    opened: Number(row?.opened ?? 0),
    resolved: Number(row?.resolved ?? 0),
    openNow: Number(row?.open_now ?? 0),
  };
}

/** Each environment's status now and its uptime over the 24 hours before the period's end. */
async function healthFigures(em: EntityManager, p: ReportPeriod): Promise<HealthFigures> {
  const rows = await em.getConnection().execute<{ name: string; status: string; uptime: number | null }[]>(
    `select e.name, e.status,
            (select avg(case when r.ok then 1.0 else 0.0 end) from operations.health_run r
              where r.environment_id = e.id and r.at >= ?::timestamptz - interval '24 hours' and r.at < ?::timestamptz)::float8 as uptime
       from operations.environment e order by e.name`,
    [p.end, p.end],
  );
  return { environments: rows.map((r) => ({ name: r.name, status: r.status, uptime24h: r.uptime ?? null })) };
}

async function queueFigures(queues: ReportSources['queues'], at: Date): Promise<QueueFigures> {
  const state = await readQueueState(queueRedis(queues.redisUrl), queues.prefix, at);
  return {
    queues: state.queues.map(({ name, waiting, active, delayed, failed }) => ({
      name,
      waiting,
      active,
      delayed,
      failed,
    })),
    consumers: state.consumers,
  };
}

/**
 * Gathers a period's figures, each source on its own: the other subgraphs through their APIs (as this
 * subgraph's service identity), incidents and health from this subgraph's tables when they exist, the
 * queues from Redis. A source that fails leaves its sections unavailable with the reason.
 */
export async function gatherFigures(
  sources: ReportSources,
  period: ReportPeriod,
  generatedAt: Date,
): Promise<PmReportFigures> {
  const { em, services, logger } = sources;
  const vars = { from: period.start.toISOString(), to: period.end.toISOString() };
  const [ledger, advisory, outcomes, incidents, health, queues] = await Promise.all([
    attempt(
      logger,
      'ledger',
      async () => (await services.client('ledger').request(DECISION_STATS, vars, { logger })).decisionStats,
    ),
    attempt(logger, 'advisory', () => services.client('advisory').request(ADVISORY_STATS, vars, { logger })),
    attempt(
      logger,
      'outcomes',
      async () =>
        (await services.client('learning-consortium').request(OUTCOME_STATS, vars, { logger })).outcomeStats,
    ),
    attempt(logger, 'incidents', () => incidentFigures(em.fork(), period)),
    attempt(logger, 'health', () => healthFigures(em.fork(), period)),
    attempt(logger, 'queues', () => queueFigures(sources.queues, generatedAt)),
  ]);
  const pick = <S, T>(s: Section<S>, f: (x: S) => T): Section<T> =>
    s.available ? { available: true, figures: f(s.figures) } : s;
  return {
    periodStart: period.start.toISOString(),
    periodEnd: period.end.toISOString(),
    generatedAt: generatedAt.toISOString(),
    decisions: pick(ledger, ({ count, byJurisdiction, byCategory }) => ({
      count,
      byJurisdiction,
      byCategory,
    })),
    divergence: pick(advisory, (a) => a.divergenceStats),
    polls: pick(advisory, (a) => a.pollStats),
    outcomes,
    heldDecisions: pick(ledger, (l) => l.held),
    incidents,
    health,
    queues,
  };
}
