import { builder } from '../../builder';
import { DEFAULT_WEIGHTS_JURISDICTION, type WeightSet, weightsVersionOf } from './weight-set';

const FrictionWeightsRef = builder.objectRef<WeightSet['frictionWeights']>('FrictionWeights').implement({
  description: 'The weight of each friction factor; they sum to 1.',
  fields: (t) => ({
    precedentDivergence: t.exposeFloat('precedentDivergence', { description: 'Divergence from precedent.' }),
    pollDissent: t.exposeFloat('pollDissent', { description: 'Dissent in the poll on the draft.' }),
    irreversibility: t.exposeFloat('irreversibility', { description: 'Declared irreversibility.' }),
    impactScope: t.exposeFloat('impactScope', { description: 'Declared scope of impact.' }),
    jurisdictionRisk: t.exposeFloat('jurisdictionRisk', { description: 'The jurisdiction’s risk.' }),
    trackRecord: t.exposeFloat('trackRecord', { description: 'The agent’s track record.' }),
  }),
});

export const DivergenceWeightsRef = builder
  .objectRef<WeightSet['divergenceWeights']>('DivergenceWeights')
  .implement({
    description:
      'How the parts of a divergence are combined; they sum to 1 (scaled over the parts measured).',
    fields: (t) => ({
      poll: t.exposeFloat('poll', { description: 'From the poll.' }),
      precedent: t.exposeFloat('precedent', { description: 'From precedent.' }),
      consortium: t.exposeFloat('consortium', { description: 'From the consortium’s recommendation.' }),
    }),
  });

export const WeightSetRef = builder.objectRef<WeightSet>('WeightSet').implement({
  description:
    'One version of the weights advice is scored with, for a jurisdiction or the default. Never edited.',
  fields: (t) => ({
    jurisdiction: t.string({
      nullable: true,
      description:
        'The jurisdiction it is for (and its sub-jurisdictions without their own); null for the default.',
      resolve: (w) => (w.jurisdiction === DEFAULT_WEIGHTS_JURISDICTION ? null : w.jurisdiction),
    }),
    version: t.exposeInt('version', { description: 'Its version within the jurisdiction, from 1.' }),
    weightsVersion: t.string({
      description: 'How assessments name it: `default@1`, `EU/DE@3`.',
      resolve: (w) => weightsVersionOf(w),
    }),
    frictionWeights: t.field({
      type: FrictionWeightsRef,
      description: 'Friction factors.',
      resolve: (w) => w.frictionWeights,
    }),
    riskWeight: t.exposeFloat('riskWeight', { description: 'The jurisdiction’s risk in [0, 1].' }),
    divergenceWeights: t.field({
      type: DivergenceWeightsRef,
      description: 'Divergence parts.',
      resolve: (w) => w.divergenceWeights,
    }),
    divergenceThreshold: t.exposeFloat('divergenceThreshold', {
      description: 'A combined divergence above it raises an alert.',
    }),
    note: t.exposeString('note', { description: 'Why this version was made.' }),
    createdBy: t.exposeString('createdBy', { description: 'Who made it.' }),
    createdAt: t.field({ type: 'DateTime', description: 'When.', resolve: (w) => w.createdAt }),
  }),
});

const FrictionWeightsInput = builder.inputType('FrictionWeightsInput', {
  description: 'A weight in [0, 1] for each friction factor; they must sum to 1.',
  fields: (t) => ({
    precedentDivergence: t.float({ required: true }),
    pollDissent: t.float({ required: true }),
    irreversibility: t.float({ required: true }),
    impactScope: t.float({ required: true }),
    jurisdictionRisk: t.float({ required: true }),
    trackRecord: t.float({ required: true }),
  }),
});

const DivergenceWeightsInput = builder.inputType('DivergenceWeightsInput', {
  description: 'A weight in [0, 1] for each part of a divergence; they must sum to 1.',
  fields: (t) => ({
    poll: t.float({ required: true }),
    precedent: t.float({ required: true }),
    consortium: t.float({ required: true }),
  }),
});

const DefineWeightSetInput = builder.inputType('DefineWeightSetInput', {
  description: 'A new version of a jurisdiction’s weights (or of the default, without a jurisdiction).',
  fields: (t) => ({
    jurisdiction: t.string({ required: false, description: 'e.g. `EU/DE`; omit for the default.' }),
    frictionWeights: t.field({ type: FrictionWeightsInput, required: true }),
    riskWeight: t.float({ required: true, description: 'The jurisdiction’s risk in [0, 1].' }),
    divergenceWeights: t.field({ type: DivergenceWeightsInput, required: true }),
    divergenceThreshold: t.float({ required: true, description: 'In [0, 1].' }),
    note: t.string({ required: false, description: 'Why (up to 1000 characters).' }),
  }),
});

builder.queryFields((t) => ({
  weightSet: t.field({
    type: WeightSetRef,
    description:
      'The weights that apply in a jurisdiction now (its own, the nearest above it, or the default).',
    args: { jurisdiction: t.arg.string({ required: true, description: 'e.g. `EU/DE`.' }) },
    resolve: (_root, { jurisdiction }, ctx) => ctx.weights.effectiveForInput(jurisdiction),
  }),
  weightSetVersions: t.field({
    type: [WeightSetRef],
    description: 'Every version of a jurisdiction’s own weights (the default’s without one), newest first.',
    args: { jurisdiction: t.arg.string({ required: false }) },
    resolve: (_root, { jurisdiction }, ctx) => ctx.weights.history(jurisdiction),
  }),
}));

builder.mutationFields((t) => ({
  defineWeightSet: t.field({
    type: WeightSetRef,
    description: 'Stores a new version of a jurisdiction’s advisory weights (OPERATOR or ADMIN).',
    args: { input: t.arg({ type: DefineWeightSetInput, required: true }) },
    resolve: (_root, { input }, ctx) => ctx.weights.define(input),
  }),
}));
