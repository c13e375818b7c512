import { defineEntity, type InferEntity } from '@mikro-orm/core';
import type { DivergenceWeights } from '../weights/weight-set';

/** How far one committed decision departed from its advice; one row per decision, written once. */
export const DivergenceEntity = defineEntity({
  name: 'Divergence',
  tableName: 'divergence',
  properties: (p) => ({
    decisionId: p.uuid().primary(),
    agentId: p.uuid(),
    jurisdiction: p.text(),
    category: p.text(),
    ledgerIndex: p.bigint('string'),
    chosenOption: p.text(),
    pollId: p.uuid().nullable(),
    frictionAssessmentId: p.uuid().nullable(),
    fromPoll: p.float().columnType('double precision').nullable(),
    fromPrecedent: p.float().columnType('double precision').nullable(),
    fromConsortium: p.float().columnType('double precision').nullable(),
    combined: p.float().columnType('double precision'),
    weights: p.json<DivergenceWeights>(),
    weightsVersion: p.text(),
    threshold: p.float().columnType('double precision'),
    exceeded: p.boolean(),
    evidence: p.json<Record<string, unknown>>(),
    scoredAt: p.datetime().columnType('timestamptz').defaultRaw('now()'),
  }),
});

export type DivergenceRow = InferEntity<typeof DivergenceEntity>;
