import { builder } from '../../builder';
import { weightsVersionOf } from '../weights/weight-set';
import type { FrictionFactor } from './friction';
import type { FrictionAssessmentRow } from './friction-assessment.entity';

const FrictionFactorRef = builder.objectRef<FrictionFactor>('FrictionFactor').implement({
  description: 'One factor of a friction score: its value, the weight it counted with, and why.',
  fields: (t) => ({
    name: t.exposeString('name', {
      description:
        '`precedentDivergence`, `pollDissent`, `irreversibility`, `impactScope`, `jurisdictionRisk` or `trackRecord`.',
    }),
    value: t.exposeFloat('value', { description: 'In [0, 1]: the friction this factor alone means.' }),
    weight: t.exposeFloat('weight', {
      description:
        'The weight it counted with: the weight set’s, scaled over the factors that apply (0 when it does not).',
    }),
    contribution: t.exposeFloat('contribution', { description: 'value × weight; the score is their sum.' }),
    applicable: t.exposeBoolean('applicable', {
      description: 'False when there was nothing to measure (no poll, no precedent).',
    }),
    explanation: t.exposeString('explanation', { description: 'One sentence: where the value comes from.' }),
  }),
});

export const FrictionAssessmentRef = builder.objectRef<FrictionAssessmentRow>('FrictionAssessment');

FrictionAssessmentRef.implement({
  description:
    'The Friction Calculator’s assessment of a draft decision: a score in [0, 1] with every factor. Stored, so a decision can cite it (`RecordDecisionInput.advice.frictionAssessmentId`). Visible to the agent that asked, to people and to ECP’s services.',
  fields: (t) => ({
    id: t.exposeID('id', { description: 'Cite it by this id.' }),
    score: t.exposeFloat('score', { description: 'In [0, 1]: the sum of the factors’ contributions.' }),
    weightsVersion: t.string({
      description: 'The weight set it was scored with, e.g. `default@1`.',
      resolve: (a) => weightsVersionOf({ jurisdiction: a.weightsJurisdiction, version: a.weightsVersion }),
    }),
    factors: t.field({
      type: [FrictionFactorRef],
      description: 'Every factor, in a fixed order.',
      resolve: (a) => a.factors,
    }),
    agentId: t.exposeID('agentId', { description: 'The agent that asked.' }),
    jurisdiction: t.exposeString('jurisdiction', { description: 'The draft’s jurisdiction.' }),
    category: t.exposeString('category', { description: 'The draft’s category.' }),
    optionIds: t.exposeStringList('optionIds', { description: 'The draft’s options.' }),
    chosenOption: t.exposeString('chosenOption', { description: 'The option the draft would take.' }),
    pollId: t.id({
      nullable: true,
      description: 'The poll it weighed, if any.',
      resolve: (a) => a.pollId ?? null,
    }),
    evidence: t.field({
      type: 'JSONObject',
      description:
        'What it was computed from besides the draft, pinned: the precedent choices (cited, or the history before a ledger index) and the poll’s weights.',
      resolve: (a) => a.evidence as unknown as Record<string, unknown>,
    }),
    createdAt: t.field({ type: 'DateTime', description: 'When it was made.', resolve: (a) => a.createdAt }),
  }),
});

builder.asEntity(FrictionAssessmentRef, {
  key: builder.selection<{ id: string }>('id'),
  resolveReference: ({ id }, ctx) => ctx.friction.findForReference(id),
});

const DecisionOptionInput = builder.inputType('DecisionOptionInput', {
  description: 'An option the agent considered.',
  fields: (t) => ({
    id: t.string({ required: true, description: 'Unique within the decision; `chosenOption` names one.' }),
    description: t.string({ required: false, description: 'What the option is.' }),
  }),
});

const PrecedentInput = builder.inputType('PrecedentInput', {
  description: 'A citation of an earlier ledger entry, by index and exact leaf hash.',
  fields: (t) => ({
    index: t.string({ required: true, description: 'Decimal ledger index.' }),
    leafHash: t.string({
      required: true,
      description: 'Its leaf hash, lowercase hex; a mismatch is refused.',
    }),
  }),
});

const FrictionInput = builder.inputType('FrictionInput', {
  description: 'A draft decision to assess: what the agent would record.',
  fields: (t) => ({
    jurisdiction: t.string({
      required: true,
      description: 'Where it would apply; within the agent’s jurisdictions.',
    }),
    category: t.string({ required: true, description: 'What kind of decision, lowercase.' }),
    options: t.field({ type: [DecisionOptionInput], required: true, description: 'The options (1–64).' }),
    chosenOption: t.string({ required: true, description: 'The option it would take.' }),
    confidence: t.float({ required: true, description: 'Its confidence in [0, 1].' }),
    irreversibility: t.float({
      required: false,
      description: 'Declared irreversibility in [0, 1]; neutral 0.5 if omitted.',
    }),
    impactScope: t.float({
      required: false,
      description: 'Declared scope of impact in [0, 1]; neutral 0.5 if omitted.',
    }),
    precedents: t.field({
      type: [PrecedentInput],
      required: false,
      description:
        'Precedents it would cite: their choices are the precedent factor’s evidence (else the history).',
    }),
    pollId: t.id({
      required: false,
      description: 'A poll on this draft (the agent’s own, same jurisdiction and options).',
    }),
  }),
});

builder.queryFields((t) => ({
  frictionAssessment: t.field({
    type: FrictionAssessmentRef,
    nullable: true,
    description: 'A friction assessment by id. An unknown id is a NOT_FOUND error.',
    args: { id: t.arg.id({ required: true }) },
    resolve: (_root, { id }, ctx) => ctx.friction.get(String(id)),
  }),
}));

builder.mutationFields((t) => ({
  assessFriction: t.field({
    type: FrictionAssessmentRef,
    description:
      'Scores a draft decision before the agent acts (role AGENT), with every factor, and stores the assessment.',
    args: { input: t.arg({ type: FrictionInput, required: true }) },
    resolve: (_root, { input }, ctx) =>
      ctx.friction.assess({
        ...input,
        pollId: input.pollId === null || input.pollId === undefined ? null : String(input.pollId),
      }),
  }),
}));
