import { builder } from '../../builder';
import type { DecisionStats, KeyCount } from './decision-stats.service';

const KeyCountRef = builder.objectRef<KeyCount>('DecisionCount').implement({
  description: 'How many decisions one jurisdiction or category had.',
  fields: (t) => ({
    key: t.exposeString('key', { description: 'The jurisdiction code or the category.' }),
    count: t.exposeInt('count', { description: 'Decisions recorded.' }),
  }),
});

const HeldStatsRef = builder.objectRef<DecisionStats['held']>('HeldDecisionStats').implement({
  description: 'What became of the decisions the Liability Firewall held.',
  fields: (t) => ({
    held: t.exposeInt('held', { description: 'Decisions held in the period.' }),
    committed: t.exposeInt('committed', {
      description: 'Held decisions approved and committed in the period.',
    }),
    rejected: t.exposeInt('rejected', { description: 'Held decisions rejected (or expired) in the period.' }),
    pending: t.exposeInt('pending', {
      description: 'Held decisions still waiting for approval at the end of the period.',
    }),
  }),
});

const DecisionStatsRef = builder.objectRef<DecisionStats>('DecisionStats').implement({
  description: 'Counts of the decisions recorded in a period (no decision content).',
  fields: (t) => ({
    count: t.exposeInt('count', { description: 'Decisions recorded in the period.' }),
    byJurisdiction: t.field({
      type: [KeyCountRef],
      description: 'Per jurisdiction, most first.',
      resolve: (s) => s.byJurisdiction,
    }),
    byCategory: t.field({
      type: [KeyCountRef],
      description: 'Per category, most first.',
      resolve: (s) => s.byCategory,
    }),
    held: t.field({
      type: HeldStatsRef,
      description: 'Held decisions in the period.',
      resolve: (s) => s.held,
    }),
  }),
});

builder.queryFields((t) => ({
  decisionStats: t.field({
    type: DecisionStatsRef,
    description:
      'Decisions recorded in [from, to), by jurisdiction and category, and the held ones. Services, analysts, operators and admins.',
    args: {
      from: t.arg({ type: 'DateTime', required: true, description: 'Start of the period (inclusive).' }),
      to: t.arg({ type: 'DateTime', required: true, description: 'End of the period (exclusive).' }),
    },
    resolve: (_root, { from, to }, ctx) => ctx.decisionStats.stats(from, to),
  }),
}));
