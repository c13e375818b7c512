import { defineEntity, type InferEntity } from '@mikro-orm/core';

/** What an agent reported about how one of its decisions turned out, with the confidence it had stated. */
export const OutcomeReportEntity = defineEntity({
  name: 'OutcomeReport',
  tableName: 'outcome_report',
  properties: (p) => ({
    id: p.uuid().primary(),
    decisionId: p.uuid(),
    agentId: p.uuid(),
    success: p.boolean(),
    statedConfidence: p.float().columnType('double precision'),
    reportedAt: p.datetime().columnType('timestamptz').defaultRaw('now()'),
  }),
});

export type OutcomeReport = InferEntity<typeof OutcomeReportEntity>;
