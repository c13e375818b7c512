import { builder } from '../../builder';
import type { DivergenceStats, PollStats } from './advice-stats.service';

const BucketRef = builder.objectRef<DivergenceStats['buckets'][number]>('DivergenceBucket').implement({
  description: 'Scores in [from, to) (the last bucket includes 1).',
  fields: (t) => ({
    from: t.exposeFloat('from', { description: 'Lowest score of the bucket.' }),
    to: t.exposeFloat('to', { description: 'Score the bucket ends before.' }),
    count: t.exposeInt('count', { description: 'Decisions scored in it.' }),
  }),
});

const DivergenceStatsRef = builder.objectRef<DivergenceStats>('DivergenceStats').implement({
  description: 'The distribution of the divergence scores given in a period.',
  fields: (t) => ({
    count: t.exposeInt('count', { description: 'Decisions scored.' }),
    mean: t.exposeFloat('mean', { nullable: true, description: 'Mean score; null when none.' }),
    p50: t.exposeFloat('p50', { nullable: true, description: 'Median score; null when none.' }),
    p90: t.exposeFloat('p90', { nullable: true, description: '90th percentile; null when none.' }),
    aboveThreshold: t.exposeInt('aboveThreshold', {
      description: 'Scores above the threshold in force when they were given.',
    }),
    buckets: t.field({ type: [BucketRef], description: 'Ten buckets of 0.1.', resolve: (s) => s.buckets }),
  }),
});

const PollStatsRef = builder.objectRef<PollStats>('PollStats').implement({
  description: 'Polls opened and closed in a period.',
  fields: (t) => ({
    opened: t.exposeInt('opened', { description: 'Polls opened in the period.' }),
    closed: t.exposeInt('closed', { description: 'Polls closed in the period.' }),
    quorumMet: t.exposeInt('quorumMet', {
      description: 'Of those closed, the ones that reached their quorum.',
    }),
  }),
});

const period = {
  from: { type: 'DateTime', required: true, description: 'Start of the period (inclusive).' },
  to: { type: 'DateTime', required: true, description: 'End of the period (exclusive).' },
} as const;

builder.queryFields((t) => ({
  divergenceStats: t.field({
    type: DivergenceStatsRef,
    description: 'Divergence scores given in [from, to). Services, analysts, operators and admins.',
    args: { from: t.arg(period.from), to: t.arg(period.to) },
    resolve: (_root, { from, to }, ctx) => ctx.adviceStats.divergence(from, to),
  }),
  pollStats: t.field({
    type: PollStatsRef,
    description: 'Polls opened and closed in [from, to). Services, analysts, operators and admins.',
    args: { from: t.arg(period.from), to: t.arg(period.to) },
    resolve: (_root, { from, to }, ctx) => ctx.adviceStats.polls(from, to),
  }),
}));
