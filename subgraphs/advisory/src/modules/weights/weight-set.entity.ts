import { defineEntity, type InferEntity } from '@mikro-orm/core';
import type { DivergenceWeights, FrictionWeights } from './weight-set';

/** One version of a jurisdiction's (or the default, `*`) advisory weights; rows are never updated. */
export const WeightSetEntity = defineEntity({
  name: 'WeightSet',
  tableName: 'weight_set',
  properties: (p) => ({
    jurisdiction: p.text().primary(),
    version: p.integer().primary(),
    frictionWeights: p.json<FrictionWeights>(),
    riskWeight: p.float().columnType('double precision'),
    divergenceWeights: p.json<DivergenceWeights>(),
    divergenceThreshold: p.float().columnType('double precision'),
    note: p.text().default(''),
    createdBy: p.text(),
    createdAt: p.datetime().columnType('timestamptz').defaultRaw('now()'),
  }),
});

export type WeightSetRow = InferEntity<typeof WeightSetEntity>;
