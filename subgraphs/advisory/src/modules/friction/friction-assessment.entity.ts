import { defineEntity, type InferEntity } from '@mikro-orm/core';
import type { FrictionDraft, FrictionEvidence, FrictionFactor } from './friction';

/** A friction assessment as it was given: the draft, the evidence and weights it was scored with, the score. */
export const FrictionAssessmentEntity = defineEntity({
  name: 'FrictionAssessment',
  tableName: 'friction_assessment',
  properties: (p) => ({
    id: p.uuid().primary(),
    agentId: p.uuid(),
    jurisdiction: p.text(),
    category: p.text(),
    optionIds: p.array().columnType('text[]'),
    chosenOption: p.text(),
    pollId: p.uuid().nullable(),
    draft: p.json<FrictionDraft>(),
    evidence: p.json<FrictionEvidence>(),
    score: p.float().columnType('double precision'),
    weightsJurisdiction: p.text(),
    weightsVersion: p.integer(),
    factors: p.json<FrictionFactor[]>(),
    createdAt: p.datetime().columnType('timestamptz').defaultRaw('now()'),
  }),
});

export type FrictionAssessmentRow = InferEntity<typeof FrictionAssessmentEntity>;
