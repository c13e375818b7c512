import { defineEntity, type InferEntity } from '@mikro-orm/core';
import type { OptionData } from './beta-posterior';

/** The lesson versions of the jurisdictions above a version's own when it was made, nearest first. */
export interface PriorVersion {
  jurisdiction: string;
  version: number;
}

/**
 * One version of a lesson: the weighted outcomes a jurisdiction holds for each option of a category.
 * Never updated: each applied report and each rollback adds the next version. `priorPath` records the
 * versions above it at the time, so the version's posterior (with its borrowed prior) is fixed too.
 */
export const LessonVersionEntity = defineEntity({
  name: 'LessonVersion',
  tableName: 'lesson_version',
  properties: (p) => ({
    jurisdiction: p.text().primary(),
    category: p.text().primary(),
    version: p.integer().primary(),
    options: p.json<Record<string, OptionData>>(),
    priorPath: p.json<PriorVersion[]>(),
    cause: p.text(),
    causeId: p.text(),
    createdAt: p.datetime().columnType('timestamptz').defaultRaw('now()'),
  }),
});

export type LessonVersion = InferEntity<typeof LessonVersionEntity>;

/** What one report added to one lesson (its own, or one a link feeds): subtracted when superseded. */
export const LessonContributionEntity = defineEntity({
  name: 'LessonContribution',
  tableName: 'lesson_contribution',
  properties: (p) => ({
    reportId: p.uuid().primary(),
    jurisdiction: p.text().primary(),
    category: p.text(),
    option: p.text(),
    successes: p.float().columnType('double precision'),
    failures: p.float().columnType('double precision'),
    linkId: p.uuid().nullable(),
  }),
});

export type LessonContribution = InferEntity<typeof LessonContributionEntity>;

/**
 * A reciprocity link: from its creation until its revocation, each report applied in `from` also
 * counts in `to`, with `weight` times the report's weight. Both are ledger entries (`ecp.lsp-link/v1`).
 */
export const LspLinkEntity = defineEntity({
  name: 'LspLink',
  tableName: 'lsp_link',
  properties: (p) => ({
    id: p.uuid().primary(),
    fromJurisdiction: p.text(),
    toJurisdiction: p.text(),
    weight: p.float().columnType('double precision'),
    createdBy: p.text(),
    createdAt: p.datetime().columnType('timestamptz').defaultRaw('now()'),
    ledgerIndex: p.bigint().columnType('bigint'),
    revokedBy: p.text().nullable(),
    revokedAt: p.datetime().columnType('timestamptz').nullable(),
    revokedLedgerIndex: p.bigint().columnType('bigint').nullable(),
  }),
});

export type LspLink = InferEntity<typeof LspLinkEntity>;
