import type { Outbox } from '@ecp/events/outbox';
import type { Logger } from '@ecp/logging/logger';
import type { EntityManager } from '@mikro-orm/postgresql';
import { OutcomeReportEntity } from '../outcomes/outcome-report.entity';
import { LessonContributionEntity, LspLinkEntity } from './lesson.entities';
import { type OptionDelta, writeNextVersion } from './lesson-store';

/**
 * Applies one outcome report to the lessons (LSP v0.1 §4–5), in the consumer's transaction: its
 * weighted success to its own jurisdiction's lesson of its category for the chosen option, and the
 * same scaled by each link's weight to every jurisdiction a link from its own feeds. A report that
 * supersedes another first takes back exactly what that one added (its stored contributions). What
 * it adds is stored as its own contributions; the report is marked applied, so even outside the
 * consumer framework's exactly-once a second call changes nothing.
 */
export async function learnFromReport(
  em: EntityManager,
  outbox: Outbox,
  reportId: string,
  logger: Logger,
): Promise<void> {
  const report = await em.findOne(OutcomeReportEntity, { id: reportId });
  if (!report || report.appliedAt) return;
  const deltas = new Map<string, OptionDelta[]>();
  const add = (jurisdiction: string, delta: OptionDelta) => {
    const key = `${jurisdiction}`;
    deltas.set(key, [...(deltas.get(key) ?? []), delta]);
  };
  if (report.supersedes) {
    const earlier = await em.find(LessonContributionEntity, { reportId: report.supersedes });
    for (const c of earlier) {
      add(c.jurisdiction, { option: c.option, successes: -c.successes, failures: -c.failures });
    }
  }
  const w = report.weight;
  const own = { successes: w * report.success, failures: w * (1 - report.success) };
  const links = await em.find(LspLinkEntity, {
    fromJurisdiction: report.jurisdiction,
    revokedAt: null,
  });
  const contributions = [
    { jurisdiction: report.jurisdiction, linkId: null as string | null, ...own },
    ...links.map((l) => ({
      jurisdiction: l.toJurisdiction,
      linkId: l.id as string | null,
      successes: l.weight * own.successes,
      failures: l.weight * own.failures,
    })),
  ];
  for (const c of contributions) {
    add(c.jurisdiction, { option: report.chosenOption, successes: c.successes, failures: c.failures });
    em.create(LessonContributionEntity, {
      reportId: report.id,
      jurisdiction: c.jurisdiction,
      category: report.category,
      option: report.chosenOption,
      successes: c.successes,
      failures: c.failures,
      linkId: c.linkId,
    });
  }
  // Locks taken in one order, so two reports touching the same lessons never deadlock.
  for (const jurisdiction of [...deltas.keys()].sort()) {
    const version = await writeNextVersion(
      em,
      outbox,
      { jurisdiction, category: report.category },
      { deltas: deltas.get(jurisdiction)!, cause: 'REPORT', causeId: report.id },
    );
    logger.info(
      { reportId: report.id, jurisdiction, category: report.category, version: version.version },
      'lesson updated',
    );
  }
  report.appliedAt = new Date();
  await em.flush();
}
