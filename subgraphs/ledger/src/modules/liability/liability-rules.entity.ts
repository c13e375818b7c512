import { defineEntity, type InferEntity } from '@mikro-orm/core';
import type { LiabilityRuleTerms } from './liability-rules';

/**
 * One version of a jurisdiction's liability rules, written with the ledger entry that records it
 * (by the `ecp.liability-rules/v1` kind's projection). Insert-only.
 */
export const LiabilityRulesEntity = defineEntity({
  name: 'LiabilityRules',
  tableName: 'liability_rules',
  properties: (p) => ({
    jurisdiction: p.text().primary(),
    revision: p.integer().primary(),
    rules: p.json<LiabilityRuleTerms>(),
    note: p.text().default(''),
    entryIndex: p.bigint('string').unique(),
    createdBy: p.uuid(),
    createdAt: p.datetime().columnType('timestamptz'),
  }),
});

export type LiabilityRulesRow = InferEntity<typeof LiabilityRulesEntity>;
