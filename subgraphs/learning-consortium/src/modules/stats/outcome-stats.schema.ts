import { builder } from '../../builder';
import type { OutcomeStats } from './outcome-stats.service';

const OutcomeStatsRef = builder.objectRef<OutcomeStats>('OutcomeStats').implement({
  description: 'Outcomes reported in a period.',
  fields: (t) => ({
    count: t.exposeInt('count', { description: 'Outcomes reported.' }),
    meanSuccess: t.exposeFloat('meanSuccess', {
      nullable: true,
      description: 'Mean success of those reports, in [0, 1]; null when none.',
    }),
  }),
});

builder.queryFields((t) => ({
  outcomeStats: t.field({
    type: OutcomeStatsRef,
    description: 'Outcomes reported in [from, to). Services, analysts, operators and admins.',
    args: {
      from: t.arg({ type: 'DateTime', required: true, description: 'Start of the period (inclusive).' }),
      to: t.arg({ type: 'DateTime', required: true, description: 'End of the period (exclusive).' }),
    },
    resolve: (_root, { from, to }, ctx) => ctx.outcomeStats.stats(from, to),
  }),
}));
