import { newId } from '@ecp/db/ids';
import { ForbiddenError, NotFoundError } from '@ecp/errors/errors';
import { hasRole, type Principal } from '@ecp/identity/principal';
import { type KeysetPage, timeIdCursor, timeIdKeyset } from '@ecp/service-kit/keyset';
import type { OperationsServiceDeps } from '../../context';
import { notify } from '../delivery/notifier';
import { type PmReport, PmReportEntity } from './pm-report.entity';
import type { PmReportFigures } from './pm-report-figures';
import { renderPmReport } from './pm-report-markdown';
import { periodEndingNow } from './pm-report-period';
import { gatherFigures, type ReportPeriod } from './pm-report-sources';

/** The report and whether this call made it (false: the period's report was there already). */
export interface PmReportMade {
  report: PmReport;
  created: boolean;
}

const canRead = (p: Principal) => p.kind === 'service' || hasRole(p, 'ANALYST', 'OPERATOR', 'ADMIN');

/**
 * The project-manager report: a period's decisions, divergence, polls, outcomes, held decisions,
 * incidents, health and queues, stored once per period and sent to every channel.
 */
export class PmReportService {
  constructor(private readonly deps: OperationsServiceDeps) {}

  /**
   * Makes the report of a period, stores it and notifies every channel, once: the period is unique
   * and the notification's key is the period's, so a retried job or a second run stores and sends
   * nothing more and answers with the report already made.
   */
  async make(period: ReportPeriod): Promise<PmReportMade> {
    const { em, services, logger, runtime } = this.deps;
    const existing = await this.byPeriod(period);
    if (existing) return { report: existing, created: false };
    const figures = await gatherFigures(
      {
        em,
        services,
        logger,
        queues: { redisUrl: runtime.settings.REDIS_URL, prefix: runtime.settings.QUEUE_PREFIX },
      },
      period,
      runtime.now(),
    );
    const markdown = renderPmReport(figures);
    const made = await em.transactional(async (tx) => {
      const id = newId();
      const inserted = await tx.getConnection().execute<{ id: string }[]>(
        `insert into operations.pm_report (id, period_start, period_end, markdown, json, created_at)
           values (?, ?, ?, ?, ?::jsonb, ?) on conflict (period_start, period_end) do nothing returning id`,
        [id, period.start, period.end, markdown, JSON.stringify(figures), runtime.now()],
        'all',
        tx.getTransactionContext(),
      );
      await notify(
        { tx, runtime },
        {
          kind: 'PM_REPORT',
          subject: `ECP report ${figures.periodStart} – ${figures.periodEnd}`,
          markdown,
          channels: 'ALL',
          idempotencyKey: `pm-report:${figures.periodStart}/${figures.periodEnd}`,
        },
      );
      return inserted.length > 0;
    });
    const report = await this.byPeriod(period);
    if (!report) throw new Error('the report just stored is not there');
    if (made) logger.info({ reportId: report.id, periodEnd: figures.periodEnd }, 'pm report made');
    return { report, created: made };
  }

  /** A report of the 4 hours up to now, asked for by an operator or an admin. */
  async makeNow(): Promise<PmReport> {
    if (!hasRole(this.deps.principal, 'OPERATOR', 'ADMIN')) {
      throw new ForbiddenError('Reports are made on request by operators and admins only.');
    }
    return (await this.make(periodEndingNow(this.deps.runtime.now()))).report;
  }

  /** Reports, newest period first. Readable by analysts, operators and admins. */
  async list(page: KeysetPage): Promise<PmReport[]> {
    this.assertCanRead();
    const { where, orderBy } = timeIdKeyset('periodEnd', page, 'newest-first');
    return this.deps.em.find(PmReportEntity, where.length ? { $and: where } : {}, {
      orderBy,
      limit: page.limit,
    });
  }

  async get(id: string): Promise<PmReport> {
    this.assertCanRead();
    const report = await this.deps.em.findOne(PmReportEntity, { id });
    if (!report) throw new NotFoundError(`No report ${id}.`);
    return report;
  }

  /** The period_end of the newest report, null when none was ever made (the heartbeat's question). */
  async newestPeriodEnd(): Promise<Date | null> {
    const [newest] = await this.deps.em.find(
      PmReportEntity,
      {},
      { orderBy: { periodEnd: 'desc' }, limit: 1, fields: ['periodEnd'] },
    );
    return newest?.periodEnd ?? null;
  }

  private async byPeriod(period: ReportPeriod): Promise<PmReport | null> {
    return this.deps.em.fork().findOne(PmReportEntity, { periodStart: period.start, periodEnd: period.end });
  }

  private assertCanRead(): void {
    if (!canRead(this.deps.principal)) {
      throw new ForbiddenError('Reports are visible to analysts, operators and admins only.');
    }
  }

  static cursorOf(report: PmReport): string {
    return timeIdCursor(report.periodEnd, report.id);
  }

  static figuresOf(report: PmReport): PmReportFigures {
    return report.json;
  }
}
