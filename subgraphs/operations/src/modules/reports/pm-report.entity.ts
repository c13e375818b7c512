import { defineEntity, type InferEntity } from '@mikro-orm/core';
import type { PmReportFigures } from './pm-report-figures';

/** One project-manager report: a period's figures, as Markdown for people and JSON for tools. */
export const PmReportEntity = defineEntity({
  name: 'PmReport',
  tableName: 'pm_report',
  properties: (p) => ({
    id: p.uuid().primary(),
    periodStart: p.datetime().columnType('timestamptz'),
    periodEnd: p.datetime().columnType('timestamptz'),
    markdown: p.text(),
    json: p.json<PmReportFigures>(),
    createdAt: p.datetime().columnType('timestamptz').defaultRaw('now()'),
  }),
});

export type PmReport = InferEntity<typeof PmReportEntity>;
