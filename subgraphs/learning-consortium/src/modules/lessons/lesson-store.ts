import type { Outbox } from '@ecp/events/outbox';
import type { EntityManager } from '@mikro-orm/postgresql';
import { LESSON_UPDATED } from '../../topics';
import { currentDefinitions } from '../jurisdictions/jurisdiction.service';
import { pathOf } from '../jurisdictions/jurisdiction-policy';
import type { OptionData } from './beta-posterior';
import { type LessonVersion, LessonVersionEntity, type PriorVersion } from './lesson.entities';

/** How a lesson version is named in events and `Lesson.id`: `<category>:<jurisdiction>@<version>`. */
export function lessonVersionId(v: { category: string; jurisdiction: string; version: number }): string {
  return `${v.category}:${v.jurisdiction}@${v.version}`;
}

export function parseLessonVersionId(
  id: string,
): { category: string; jurisdiction: string; version: number } | null {
  const match = /^([a-z0-9][a-z0-9._-]{0,63}):([A-Z][A-Z0-9_/-]*)@([1-9][0-9]{0,9})$/.exec(id);
  return match ? { category: match[1]!, jurisdiction: match[2]!, version: Number(match[3]) } : null;
}

/** The newest version of each of these jurisdictions' lessons of a category (absent: none yet). */
export async function latestVersions(
  em: EntityManager,
  category: string,
  jurisdictions: readonly string[],
): Promise<Map<string, { version: number; options: Record<string, OptionData> }>> {
  const rows = await em
    .getConnection()
    .execute<{ jurisdiction: string; version: number; options: Record<string, OptionData> | string }[]>(
      `select distinct on (jurisdiction) jurisdiction, version, options
       from learning.lesson_version
      where category = ? and jurisdiction = any(?::text[])
      order by jurisdiction, version desc`,
      [category, toTextArray(jurisdictions)],
      'all',
      em.getTransactionContext(),
    );
  return new Map(
    rows.map((r) => [
      r.jurisdiction,
      { version: r.version, options: typeof r.options === 'string' ? JSON.parse(r.options) : r.options },
    ]),
  );
}

/** Exact versions of lessons of a category: (jurisdiction, version) pairs. */
export async function versionsAt(
  em: EntityManager,
  category: string,
  wanted: readonly PriorVersion[],
): Promise<Map<string, Record<string, OptionData>>> {
  const asked = wanted.filter((w) => w.version > 0);
  if (asked.length === 0) return new Map();
  const rows = await em
    .getConnection()
    .execute<{ jurisdiction: string; version: number; options: Record<string, OptionData> | string }[]>(
      `select v.jurisdiction, v.version, v.options
       from learning.lesson_version v
       join unnest(?::text[], ?::int[]) as want(jurisdiction, version)
         on v.jurisdiction = want.jurisdiction and v.version = want.version
      where v.category = ?`,
      [toTextArray(asked.map((a) => a.jurisdiction)), `{${asked.map((a) => a.version).join(',')}}`, category],
    );
  return new Map(
    rows.map((r) => [
      `${r.jurisdiction}@${r.version}`,
      typeof r.options === 'string' ? JSON.parse(r.options) : r.options,
    ]),
  );
}

/** A PostgreSQL text[] literal of jurisdiction codes (A–Z, 0–9, `_`, `-`, `/`: nothing to escape). */
function toTextArray(values: readonly string[]): string {
  return `{${values.map((v) => `"${v}"`).join(',')}}`;
}

/** A change to the data one lesson holds for one option. */
export interface OptionDelta {
  option: string;
  successes: number;
  failures: number;
}

/**
 * Writes the next version of a lesson: the newest one's data changed by `deltas` (or replaced by
 * `replace`, for a rollback), with the versions above it at this moment as its prior path, and its
 * `lessonUpdated` event, in the caller's transaction. Counts never go below 0 (a subtraction after a
 * rollback removed what it would subtract).
 */
export async function writeNextVersion(
  em: EntityManager,
  outbox: Outbox,
  lesson: { jurisdiction: string; category: string },
  change:
    | { deltas: readonly OptionDelta[]; cause: 'REPORT'; causeId: string }
    | { replace: Record<string, OptionData>; cause: 'ROLLBACK'; causeId: string },
): Promise<LessonVersion> {
  const { jurisdiction, category } = lesson;
  // One writer per lesson at a time, so versions are gapless whoever writes (consumer or rollback).
  await em
    .getConnection()
    .execute(
      'select pg_advisory_xact_lock(hashtext(?))',
      [`learning:lesson:${category}:${jurisdiction}`],
      'all',
      em.getTransactionContext(),
    );
  const path = pathOf(jurisdiction, await currentDefinitions(em));
  const latest = await latestVersions(em, category, path);
  const own = latest.get(jurisdiction);
  let options: Record<string, OptionData>;
  if ('replace' in change) {
    options = structuredClone(change.replace);
  } else {
    options = structuredClone(own?.options ?? {});
    for (const d of change.deltas) {
      const was = options[d.option] ?? { successes: 0, failures: 0 };
      options[d.option] = {
        successes: nonNegative(was.successes + d.successes),
        failures: nonNegative(was.failures + d.failures),
      };
    }
  }
  const row = em.create(LessonVersionEntity, {
    jurisdiction,
    category,
    version: (own?.version ?? 0) + 1,
    options,
    priorPath: path.slice(1).map((j) => ({ jurisdiction: j, version: latest.get(j)?.version ?? 0 })),
    cause: change.cause,
    causeId: change.causeId,
    createdAt: new Date(),
  });
  await em.flush();
  await outbox.write(em, [
    {
      topic: LESSON_UPDATED,
      key: { id: lessonVersionId(row) },
      attributes: { jurisdiction, category, version: String(row.version) },
    },
  ]);
  return row;
}

/** Float sums that should cancel exactly can leave −1e-17: such dust is 0. */
function nonNegative(x: number): number {
  return x < 1e-12 ? 0 : x;
}
