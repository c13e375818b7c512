import { BadUserInputError, type ErrorDetail, ForbiddenError, NotFoundError } from '@ecp/errors/errors';
import type { Outbox } from '@ecp/events/outbox';
import { hasRole, type Principal } from '@ecp/identity/principal';
import { isJurisdiction } from '@ecp/jurisdictions/jurisdiction';
import { CATEGORY_PATTERN } from '@ecp/ledger-format/decision-entry';
import type { Logger } from '@ecp/logging/logger';
import type { EntityManager } from '@mikro-orm/postgresql';
import type { JurisdictionService } from '../jurisdictions/jurisdiction.service';
import { credibleInterval, type OptionData, posteriorAlong, posteriorMean } from './beta-posterior';
import { type LessonVersion, LessonVersionEntity } from './lesson.entities';
import { latestVersions, parseLessonVersionId, versionsAt, writeNextVersion } from './lesson-store';
import { parseRecommendationVersion, type Recommendation, recommend } from './recommendation';

/** A lesson option as `Lesson` shows it: its data and its posterior at that version. */
export interface LessonOption {
  option: string;
  successes: number;
  failures: number;
  alpha: number;
  beta: number;
  mean: number;
  interval: [number, number];
  effectiveSamples: number;
}

const MAX_OPTIONS = 64;

/**
 * Recommendation versions this process recorded as served, so that serving one again costs no write.
 * Bounded: once full it starts again (a forgotten version is only recorded once more).
 */
const recorded = new Set<string>();
const MAX_RECORDED = 50_000;

/** Lessons and the recommendations they give (LSP v0.1 §4). */
export class LessonService {
  constructor(
    private readonly deps: {
      em: EntityManager;
      principal: Principal;
      logger: Logger;
      outbox: Outbox;
      jurisdictions: JurisdictionService;
      pseudoCount: number;
    },
  ) {}

  /**
   * The options ranked by expected success in a jurisdiction and category, from the newest lessons on
   * its path — or, with `atVersion`, exactly as that version answered (NOT_FOUND for a version never
   * served for this jurisdiction and category). Readable by every authenticated caller.
   */
  async recommendation(args: {
    jurisdiction: string;
    category: string;
    options: readonly string[];
    atVersion?: string | null;
  }): Promise<Recommendation> {
    const problems = queryProblems(args);
    if (problems.length > 0) {
      throw new BadUserInputError(
        `Invalid recommendation query: ${problems.map((p) => `${p.path} ${p.reason}`).join('; ')}.`,
        problems,
      );
    }
    const { em } = this.deps;
    if (args.atVersion) {
      const parsed = parseRecommendationVersion(args.atVersion);
      const known =
        parsed &&
        parsed.category === args.category &&
        parsed.path[0]?.jurisdiction === args.jurisdiction &&
        (await this.wasServed(args.atVersion));
      if (!parsed || !known) {
        throw new NotFoundError(
          `No lesson version ${JSON.stringify(args.atVersion)} was served for ${args.category} in ${args.jurisdiction}.`,
        );
      }
      const data = await versionsAt(em, args.category, parsed.path);
      return recommend(
        { ...args, pseudoCount: parsed.pseudoCount },
        parsed.path.map((p) => ({ ...p, options: data.get(`${p.jurisdiction}@${p.version}`) })),
      );
    }
    const path = await this.deps.jurisdictions.path(args.jurisdiction);
    const latest = await latestVersions(em, args.category, path);
    const answer = recommend(
      { ...args, pseudoCount: this.deps.pseudoCount },
      path.map((jurisdiction) => {
        const lesson = latest.get(jurisdiction);
        return { jurisdiction, version: lesson?.version ?? 0, options: lesson?.options };
      }),
    );
    await this.recordServed(answer.lessonVersion);
    return answer;
  }

  /** A lesson at a version (the newest without one); null when it has no such version. */
  async lesson(
    jurisdiction: string,
    category: string,
    version?: number | null,
  ): Promise<LessonVersion | null> {
    return this.deps.em.findOne(
      LessonVersionEntity,
      version ? { jurisdiction, category, version } : { jurisdiction, category },
      { orderBy: { version: 'desc' } },
    );
  }

  /** A lesson version by its id (`<category>:<jurisdiction>@<version>`), for the gateway's entity calls. */
  async findForReference(id: string): Promise<LessonVersion | null> {
    const parsed = parseLessonVersionId(id);
    return parsed ? this.lesson(parsed.jurisdiction, parsed.category, parsed.version) : null;
  }

  /** Every version of a lesson, newest first (at most `limit`). */
  history(jurisdiction: string, category: string, limit = 100): Promise<LessonVersion[]> {
    return this.deps.em.find(
      LessonVersionEntity,
      { jurisdiction, category },
      { orderBy: { version: 'desc' }, limit },
    );
  }

  /** The options of a lesson version with their posteriors, the prior from the versions above it then. */
  async optionsOf(lesson: LessonVersion): Promise<LessonOption[]> {
    const above = await versionsAt(this.deps.em, lesson.category, lesson.priorPath);
    return Object.entries(lesson.options)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([option, data]) => {
        const { posterior } = posteriorAlong(
          [
            { jurisdiction: lesson.jurisdiction, data },
            ...lesson.priorPath.map((p) => ({
              jurisdiction: p.jurisdiction,
              data: above.get(`${p.jurisdiction}@${p.version}`)?.[option],
            })),
          ],
          this.deps.pseudoCount,
        );
        return {
          option,
          successes: data.successes,
          failures: data.failures,
          alpha: posterior.alpha,
          beta: posterior.beta,
          mean: posteriorMean(posterior),
          interval: credibleInterval(posterior),
          effectiveSamples: posterior.alpha + posterior.beta,
        };
      });
  }

  /**
   * Rolls a lesson back to an earlier version (OPERATOR or ADMIN): a new version whose data equals
   * that one's, never an edit; every version stays readable.
   */
  async rollback(jurisdiction: string, category: string, toVersion: number): Promise<LessonVersion> {
    const { principal, em, outbox, logger } = this.deps;
    if (!hasRole(principal, 'OPERATOR', 'ADMIN')) {
      throw new ForbiddenError('Rolling lessons back needs the OPERATOR or ADMIN role.');
    }
    const target = await this.lesson(jurisdiction, category, toVersion);
    if (!target || target.version !== toVersion) {
      throw new NotFoundError(`The ${category} lesson of ${jurisdiction} has no version ${toVersion}.`);
    }
    return em.transactional(async (tx) => {
      const row = await writeNextVersion(
        tx,
        outbox,
        { jurisdiction, category },
        {
          replace: target.options as Record<string, OptionData>,
          cause: 'ROLLBACK',
          causeId: String(toVersion),
        },
      );
      logger.info({ jurisdiction, category, toVersion, version: row.version }, 'lesson rolled back');
      return row;
    });
  }

  private async wasServed(version: string): Promise<boolean> {
    if (recorded.has(version)) return true;
    const rows = await this.deps.em
      .getConnection()
      .execute<unknown[]>('select 1 from learning.recommendation_version where version = ?', [version]);
    return rows.length > 0;
  }

  private async recordServed(version: string): Promise<void> {
    if (recorded.has(version)) return;
    await this.deps.em
      .getConnection()
      .execute('insert into learning.recommendation_version (version) values (?) on conflict do nothing', [
        version,
      ]);
    if (recorded.size >= MAX_RECORDED) recorded.clear();
    recorded.add(version);
  }
}

function queryProblems(args: {
  jurisdiction: string;
  category: string;
  options: readonly string[];
}): ErrorDetail[] {
  const problems: ErrorDetail[] = [];
  if (!isJurisdiction(args.jurisdiction))
    problems.push({ path: 'jurisdiction', reason: 'must be a jurisdiction path such as EU/DE' });
  if (!CATEGORY_PATTERN.test(args.category))
    problems.push({ path: 'category', reason: `must match ${CATEGORY_PATTERN.source}` });
  if (args.options.length < 1 || args.options.length > MAX_OPTIONS)
    problems.push({ path: 'options', reason: `1 to ${MAX_OPTIONS} options` });
  args.options.forEach((o, i) => {
    if (o.length < 1 || o.length > 128)
      problems.push({ path: `options.${i}`, reason: 'must be 1 to 128 characters' });
    else if (args.options.indexOf(o) !== i)
      problems.push({ path: `options.${i}`, reason: `${o} is named twice` });
  });
  return problems;
}
