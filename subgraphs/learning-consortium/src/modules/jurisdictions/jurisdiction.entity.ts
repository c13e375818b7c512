import { defineEntity, type InferEntity } from '@mikro-orm/core';
import type { ApprovalRule } from './jurisdiction-policy';

/**
 * One version of a jurisdiction's definition in the LSP tree: its parent and the settings it sets
 * itself (null: inherited). Rows are never updated; redefining a code adds its next version.
 */
export const JurisdictionVersionEntity = defineEntity({
  name: 'JurisdictionVersion',
  tableName: 'jurisdiction_version',
  properties: (p) => ({
    code: p.text().primary(),
    version: p.integer().primary(),
    parent: p.text().nullable(),
    riskWeight: p.float().columnType('double precision').nullable(),
    frictionThreshold: p.float().columnType('double precision').nullable(),
    divergenceThreshold: p.float().columnType('double precision').nullable(),
    categoriesRequiringApproval: p.array().columnType('text[]').nullable(),
    approvalRules: p.json<ApprovalRule[]>().nullable(),
    definedBy: p.text(),
    definedAt: p.datetime().columnType('timestamptz').defaultRaw('now()'),
  }),
});

export type JurisdictionVersion = InferEntity<typeof JurisdictionVersionEntity>;
