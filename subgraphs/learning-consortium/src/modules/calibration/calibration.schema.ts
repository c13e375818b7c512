import { builder } from '../../builder';
import type { Calibration } from './calibration';

export const CalibrationRef = builder.objectRef<Calibration>('Calibration').implement({
  description: "How well an agent's stated confidence has matched the outcomes it reported.",
  fields: (t) => ({
    reports: t.exposeInt('reports', { description: 'Outcome reports counted.' }),
    brierScore: t.exposeFloat('brierScore', {
      nullable: true,
      description:
        'Mean squared gap between stated confidence and outcome: 0 is perfect, 0.25 is a coin flip. Null without reports.',
    }),
    successRate: t.exposeFloat('successRate', {
      nullable: true,
      description: 'Share of reported decisions that succeeded.',
    }),
    meanStatedConfidence: t.exposeFloat('meanStatedConfidence', {
      nullable: true,
      description: 'Mean confidence the agent stated for the reported decisions.',
    }),
  }),
});

/** The learning subgraph's view of an agent: its calibration. */
export const AgentRef = builder.externalRef('Agent', builder.selection<{ id: string }>('id')).implement({
  fields: (t) => ({
    id: t.exposeID('id', { description: 'Stable identifier (UUID).' }),
    calibration: t.field({
      type: CalibrationRef,
      // Nullable: when this subgraph fails or refuses, the rest of the agent still resolves.
      nullable: true,
      description: "The agent's calibration, from the outcomes it reported.",
      resolve: (agent, _args, ctx) => ctx.calibration.forAgent(agent.id),
    }),
  }),
});
