import { BadUserInputError } from '@ecp/errors/errors';
import { builder } from '../../builder';
import type { Calibration } from './calibration';

export const CalibrationRef = builder.objectRef<Calibration>('Calibration').implement({
  description:
    "How well an agent's stated confidence has matched the outcomes reported for its decisions (current reports only: a superseded report no longer counts).",
  fields: (t) => ({
    reports: t.exposeInt('reports', { description: 'Outcome reports counted.' }),
    brierScore: t.exposeFloat('brierScore', {
      nullable: true,
      description:
        'Mean squared gap between stated confidence and reported success: 0 is perfect, 0.25 is a coin flip. Null without reports.',
    }),
    successRate: t.exposeFloat('successRate', {
      nullable: true,
      description: 'Mean reported success of its decisions, in [0, 1].',
    }),
    meanStatedConfidence: t.exposeFloat('meanStatedConfidence', {
      nullable: true,
      description: 'Mean confidence the agent stated for the reported decisions.',
    }),
    weight: t.exposeFloat('weight', {
      description:
        'The weight a report on its decisions counts with in the lessons, in [0, 1]: (n·q + k·0.5)/(n + k) with q = clamp(1 − 2·brierScore, 0, 1) and k the shrinkage (LSP v0.1 §3). Neutral 0.5 without reports.',
    }),
  }),
});

const AgentCalibrationRef = builder
  .objectRef<{ agentId: string; calibration: Calibration }>('AgentCalibration')
  .implement({
    description: 'An agent’s calibration, as `calibrations` answers for each id asked.',
    fields: (t) => ({
      agentId: t.exposeID('agentId', { description: 'The agent asked about.' }),
      calibration: t.field({
        type: CalibrationRef,
        description: 'Its calibration (neutral for an agent without reports).',
        resolve: (a) => a.calibration,
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
      description: "The agent's calibration, from the outcomes reported for its decisions.",
      resolve: (agent, _args, ctx) => ctx.calibration.forAgent(agent.id),
    }),
  }),
});

/** The most agents one `calibrations` call asks about. */
const MAX_AGENTS = 1000;

builder.queryFields((t) => ({
  calibrations: t.field({
    type: [AgentCalibrationRef],
    description:
      'The calibration of each agent asked about, in the order asked (at most 1000): what advice weighs votes and track records with.',
    args: { agentIds: t.arg.idList({ required: true, description: 'Agent ids.' }) },
    resolve: (_root, { agentIds }, ctx) => {
      if (agentIds.length > MAX_AGENTS) {
        throw new BadUserInputError(`At most ${MAX_AGENTS} agents at once.`, [
          { path: 'agentIds', reason: `at most ${MAX_AGENTS}` },
        ]);
      }
      return ctx.calibration.forAgents(agentIds.map(String));
    },
  }),
}));
