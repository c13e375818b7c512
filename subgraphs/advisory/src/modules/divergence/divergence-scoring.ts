import type { Outbox } from '@ecp/events/outbox';
import type { Logger } from '@ecp/logging/logger';
import type { ServiceDirectory } from '@ecp/service-kit/service-directory';
import type { EntityManager } from '@mikro-orm/postgresql';
import { ConsortiumEvidence } from '../../learning/consortium-evidence';
import type { LearningRecommendation } from '../../learning/learning-operations';
import { LEDGER_DECISIONS, type LedgerDecision } from '../../ledger/ledger-operations';
import { DIVERGENCE_SCORED, DIVERGENCE_THRESHOLD_EXCEEDED } from '../../topics';
import { type Poll, PollEntity } from '../polls/poll.entity';
import { weightsByOption } from '../polls/poll-result';
import { type Vote, VoteEntity } from '../votes/vote.entity';
import { pickWeightSet } from '../weights/effective-weights';
import { type WeightSet, weightsVersionOf } from '../weights/weight-set';
import { WeightSetEntity } from '../weights/weight-set.entity';
import { scoreDivergence } from './divergence';
import { DivergenceEntity, type DivergenceRow } from './divergence.entity';

/**
 * Everything a consumer job's decisions are scored from, read once for the whole job: the decisions
 * from the ledger in one call (with their precedent choices, counted before each one's index), and
 * from this schema the decisions already scored, the weight sets, and the polls they cite with votes.
 */
export interface ScoringInputs {
  decisions: Map<string, LedgerDecision | null>;
  scored: Set<string>;
  weightSets: WeightSet[];
  polls: Map<string, Poll>;
  votes: Map<string, Vote[]>;
  /** The consortium's ranking for each decision's draft (by decision id); null: it gave none. */
  recommendations: Map<string, LearningRecommendation | null>;
}

export async function scoringInputs(
  ids: readonly string[],
  context: { em: EntityManager; services: ServiceDirectory; logger: Logger },
): Promise<ScoringInputs> {
  const { em, services, logger } = context;
  const unique = [...new Set(ids)];
  const [{ _entities }, scoredRows, weightSets] = await Promise.all([
    services
      .client('ledger')
      .request(
        LEDGER_DECISIONS,
        { representations: unique.map((id) => ({ __typename: 'Decision' as const, id })) },
        { logger },
      ),
    em.find(DivergenceEntity, { decisionId: { $in: unique } }, { fields: ['decisionId'] }),
    em.find(WeightSetEntity, {}),
  ]);
  const decisions = new Map(unique.map((id, i) => [id, _entities[i] ?? null]));
  const pollIds = [
    ...new Set([...decisions.values()].flatMap((d) => (d?.advice?.pollId ? [d.advice.pollId] : []))),
  ];
  const [polls, votes] = pollIds.length
    ? await Promise.all([
        em.find(PollEntity, { id: { $in: pollIds } }),
        em.find(VoteEntity, { pollId: { $in: pollIds } }),
      ])
    : [[], []];
  const votesByPoll = new Map<string, Vote[]>();
  for (const v of votes) {
    const list = votesByPoll.get(v.pollId);
    if (list) list.push(v);
    else votesByPoll.set(v.pollId, [v]);
  }
  const recommendations = await consortiumRankings([...decisions.values()], { services, logger });
  return {
    decisions,
    recommendations,
    scored: new Set(scoredRows.map((r) => r.decisionId)),
    weightSets: weightSets as WeightSet[],
    polls: new Map(polls.map((p) => [p.id, p])),
    votes: votesByPoll,
  };
}

/**
 * The learning consortium's ranking of each decision's options in its jurisdiction and category: at
 * the lesson version the decision followed when it names one, else the latest. Drafts alike (same
 * jurisdiction, category, options and version) are asked once.
 */
async function consortiumRankings(
  decisions: readonly (LedgerDecision | null)[],
  context: { services: ServiceDirectory; logger: Logger },
): Promise<Map<string, LearningRecommendation | null>> {
  const consortium = new ConsortiumEvidence({ services: context.services });
  const asked = new Map<string, Promise<LearningRecommendation | null>>();
  const byDecision = new Map<string, Promise<LearningRecommendation | null>>();
  for (const d of decisions) {
    if (!d) continue;
    const query = {
      jurisdiction: d.jurisdiction,
      category: d.category,
      options: d.options.map((o) => o.id),
      atVersion: d.advice?.lessonVersion ?? null,
    };
    const key = JSON.stringify(query);
    let answer = asked.get(key);
    if (!answer) {
      answer = consortium.recommendation(query, { logger: context.logger });
      asked.set(key, answer);
    }
    byDecision.set(d.id, answer);
  }
  const entries = await Promise.all([...byDecision].map(async ([id, answer]) => [id, await answer] as const));
  return new Map(entries);
}

/**
 * How far the chosen option's expected success falls below the best one's in the consortium's
 * ranking, in [0, 1]; null without a ranking that has the chosen option.
 */
export function consortiumShortfall(
  recommendation: LearningRecommendation | null | undefined,
  chosenOption: string,
): number | null {
  const best = recommendation?.options[0];
  const chosen = recommendation?.options.find((o) => o.option === chosenOption);
  if (!best || !chosen) return null;
  return Math.min(1, Math.max(0, best.expectedSuccess - chosen.expectedSuccess));
}

/**
 * Scores one committed decision's divergence from its advice, in the consumer's transaction: from the
 * decision and its precedent as the ledger gave them (choices before its index, so the score does not
 * depend on when it is computed) and the poll in this schema, and writes the score with its
 * `divergenceScored` event — and, past the jurisdiction's threshold, the alert event for operations.
 * The row is written when the transaction commits (with the job's others, in one statement).
 */
export async function scoreCommittedDecision(
  decisionId: string,
  context: { em: EntityManager; outbox: Outbox; inputs: ScoringInputs },
): Promise<DivergenceRow | null> {
  const { em, outbox, inputs } = context;
  if (inputs.scored.has(decisionId)) return null;
  const decision = inputs.decisions.get(decisionId);
  // Published after its commit, so the ledger has it: a miss is a fault worth retrying.
  if (!decision) throw new Error(`the ledger does not know decision ${decisionId}`);
  const optionIds = decision.options.map((o) => o.id);
  const precedent = Object.fromEntries(decision.precedentChoices.map((c) => [c.option, c.count]));
  const pollId = decision.advice?.pollId ?? null;
  const poll = pollId ? inputs.polls.get(pollId) : undefined;
  const votes = poll ? (inputs.votes.get(poll.id) ?? []) : [];
  const pollWeights = poll ? weightsByOption(poll.weighting, votes) : null;
  const pollVotes = votes.length;
  const weights = pickWeightSet(inputs.weightSets, decision.jurisdiction);
  const recommendation = inputs.recommendations.get(decisionId) ?? null;
  const score = scoreDivergence({
    optionIds,
    chosenOption: decision.chosenOption,
    poll: pollWeights,
    precedent,
    consortium: consortiumShortfall(recommendation, decision.chosenOption),
    weights: weights.divergenceWeights,
    threshold: weights.divergenceThreshold,
  });
  const weightsVersion = weightsVersionOf(weights);
  const row = em.create(DivergenceEntity, {
    decisionId,
    agentId: decision.agent.id,
    jurisdiction: decision.jurisdiction,
    category: decision.category,
    ledgerIndex: decision.ledgerIndex,
    chosenOption: decision.chosenOption,
    pollId,
    frictionAssessmentId: decision.advice?.frictionAssessmentId ?? null,
    fromPoll: score.fromPoll,
    fromPrecedent: score.fromPrecedent,
    fromConsortium: score.fromConsortium,
    combined: score.combined,
    weights: score.weightsUsed,
    weightsVersion,
    threshold: score.threshold,
    exceeded: score.exceeded,
    evidence: {
      precedent,
      poll: pollWeights,
      pollVotes,
      precedentBeforeIndex: decision.ledgerIndex,
      consortium: recommendation && {
        lessonVersion: recommendation.lessonVersion,
        expectedSuccess: Object.fromEntries(recommendation.options.map((o) => [o.option, o.expectedSuccess])),
      },
    },
    scoredAt: new Date(),
  });
  inputs.scored.add(decisionId);
  const attributes = {
    agentId: row.agentId,
    jurisdiction: row.jurisdiction,
    category: row.category,
    score: String(row.combined),
  };
  await outbox.write(em, [
    {
      topic: DIVERGENCE_SCORED,
      key: { id: decisionId },
      attributes: { ...attributes, exceeded: String(row.exceeded) },
    },
    ...(row.exceeded
      ? [
          {
            topic: DIVERGENCE_THRESHOLD_EXCEEDED,
            key: { id: decisionId },
            attributes: { ...attributes, threshold: String(row.threshold), weightsVersion },
          },
        ]
      : []),
  ]);
  return row;
}
