import { isUuid } from '@ecp/db/ids';
import { BadUserInputError } from '@ecp/errors/errors';
import { isJurisdiction } from '@ecp/jurisdictions/jurisdiction';
import { SUBSCRIPTION_ALLOWED, servedByGateway } from '@ecp/service-kit/subscription-fields';
import { builder } from '../../builder';
import { FrictionAssessmentRef } from '../friction/friction.schema';
import { PollRef } from '../polls/poll.schema';
import { DivergenceWeightsRef } from '../weights/weight-set.schema';
import type { DivergenceRow } from './divergence.entity';

/** The advisory subgraph's view of a decision: the advice it took and how far it strayed. */
export const DecisionRef = builder
  .externalRef('Decision', builder.selection<{ id: string }>('id'))
  .implement({
    fields: (t) => ({
      id: t.exposeID('id', { description: 'Stable identifier (UUID).' }),
      divergence: t.field({
        type: DivergenceRef,
        nullable: true,
        description: 'How far it departs from its advice; null until scored (moments after it commits).',
        resolve: (d, _a, ctx) => ctx.divergences.forDecision(d.id),
      }),
      friction: t.field({
        type: FrictionAssessmentRef,
        nullable: true,
        description:
          'The friction assessment it cites (once its divergence is scored); null for callers who may not see it.',
        resolve: async (d, _a, ctx) => {
          const row = await ctx.divergences.forDecision(d.id);
          return row?.frictionAssessmentId ? ctx.friction.findForReference(row.frictionAssessmentId) : null;
        },
      }),
      poll: t.field({
        type: PollRef,
        nullable: true,
        description: 'The poll it cites (once its divergence is scored).',
        resolve: async (d, _a, ctx) => {
          const row = await ctx.divergences.forDecision(d.id);
          return row?.pollId ? ctx.polls.findForReference(row.pollId) : null;
        },
      }),
    }),
  });

export const DivergenceRef = builder.objectRef<DivergenceRow>('Divergence');

DivergenceRef.implement({
  description:
    'How far a committed decision departs from its poll, from precedent and from the consortium, from poll and precedent as the Jensen–Shannon divergence (base 2) in [0, 1], from the consortium as a shortfall of expected success in [0, 1], and combined (docs/scoring.md).',
  fields: (t) => ({
    id: t.exposeID('decisionId', { description: 'The decision’s id: a decision has one divergence.' }),
    decision: t.field({
      type: DecisionRef,
      description: 'The decision.',
      resolve: (d) => ({ id: d.decisionId }),
    }),
    fromPoll: t.float({
      nullable: true,
      description: 'From its poll’s weighted vote; null without a poll or votes.',
      resolve: (d) => d.fromPoll ?? null,
    }),
    fromPrecedent: t.float({
      nullable: true,
      description:
        'From the earlier choices among its options in its jurisdiction and category; null without any.',
      resolve: (d) => d.fromPrecedent ?? null,
    }),
    fromConsortium: t.float({
      nullable: true,
      description:
        'How far the chosen option’s expected success falls below the best option’s in the learning consortium’s recommendation (at the lesson version the decision followed, else the latest when scored), in [0, 1]; null when the consortium gave none.',
      resolve: (d) => d.fromConsortium ?? null,
    }),
    combined: t.exposeFloat('combined', { description: 'The weighted mean of the parts measured.' }),
    weights: t.field({
      type: DivergenceWeightsRef,
      description: 'The weights used, scaled over the parts measured.',
      resolve: (d) => d.weights,
    }),
    weightsVersion: t.exposeString('weightsVersion', { description: 'The weight set, e.g. `default@1`.' }),
    threshold: t.exposeFloat('threshold', { description: 'The jurisdiction’s threshold.' }),
    exceeded: t.exposeBoolean('exceeded', {
      description: 'Whether `combined` is above it (an alert went to operations).',
    }),
    jurisdiction: t.exposeString('jurisdiction', { description: 'The decision’s jurisdiction.' }),
    category: t.exposeString('category', { description: 'The decision’s category.' }),
    agentId: t.exposeID('agentId', { description: 'The agent that decided.' }),
    scoredAt: t.field({ type: 'DateTime', description: 'When it was scored.', resolve: (d) => d.scoredAt }),
  }),
});

builder.asEntity(DivergenceRef, {
  key: builder.selection<{ id: string }>('id'),
  resolveReference: ({ id }, ctx) => ctx.divergences.forDecision(id),
});

const DivergenceFilter = builder.inputType('DivergenceFilter', {
  description: 'Narrows divergence events; all given conditions must hold.',
  fields: (t) => ({
    jurisdiction: t.string({ required: false, description: 'Exactly this jurisdiction.' }),
    agentId: t.id({ required: false, description: 'Decisions of this agent.' }),
    minScore: t.float({ required: false, description: 'Combined divergence at least this.' }),
  }),
});

builder.subscriptionFields((t) => ({
  divergenceScored: t.field({
    type: DivergenceRef,
    description: 'Each committed decision’s divergence as it is scored.',
    args: { filter: t.arg({ type: DivergenceFilter, required: false }) },
    directives: { topic: { name: 'divergenceScored' } },
    subscribe: servedByGateway,
    resolve: (_root, { filter }) => {
      const problems = [];
      if (filter?.jurisdiction && !isJurisdiction(filter.jurisdiction)) {
        problems.push({ path: 'filter.jurisdiction', reason: 'must be a jurisdiction path such as EU/DE' });
      }
      if (filter?.agentId && !isUuid(String(filter.agentId)))
        problems.push({ path: 'filter.agentId', reason: 'must be an agent id' });
      if (filter?.minScore != null && !(filter.minScore >= 0 && filter.minScore <= 1)) {
        problems.push({ path: 'filter.minScore', reason: 'must be in [0, 1]' });
      }
      if (problems.length > 0) {
        throw new BadUserInputError(
          `Invalid filter: ${problems.map((p) => `${p.path} ${p.reason}`).join('; ')}.`,
          problems,
        );
      }
      return SUBSCRIPTION_ALLOWED;
    },
  }),
}));
