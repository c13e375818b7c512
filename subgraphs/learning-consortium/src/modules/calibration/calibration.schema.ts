import { builder } from '../../builder';
import type { Calibration } from './calibration';
import type { OutcomeReport } from './outcome-report.entity';

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

export const OutcomeReportRef = builder.objectRef<OutcomeReport>('OutcomeReport').implement({
  description: 'What an agent reported about how one of its decisions turned out.',
  fields: (t) => ({
    id: t.exposeID('id', { description: 'Stable identifier (UUID).' }),
    success: t.exposeBoolean('success', {
      description: 'Whether the decision achieved what it was meant to.',
    }),
    statedConfidence: t.exposeFloat('statedConfidence', {
      description: 'The confidence the agent had stated, in [0, 1].',
    }),
    reportedAt: t.field({
      type: 'DateTime',
      description: 'When it was reported.',
      resolve: (r) => r.reportedAt,
    }),
  }),
});

/** The learning subgraph's view of a decision: the outcomes reported for it. */
export const DecisionRef = builder
  .externalRef('Decision', builder.selection<{ id: string }>('id'))
  .implement({
    fields: (t) => ({
      id: t.exposeID('id', { description: 'Stable identifier (UUID).' }),
      outcomes: t.field({
        type: [OutcomeReportRef],
        // Nullable: when this subgraph fails, the rest of the decision still resolves.
        nullable: true,
        description: 'Outcomes reported for this decision, oldest first.',
        resolve: (decision, _args, ctx) => ctx.calibration.outcomesOf(decision.id),
      }),
    }),
  });
