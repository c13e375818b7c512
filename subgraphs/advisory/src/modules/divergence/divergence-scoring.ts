import type { Outbox } from '@ecp/events/outbox';
import type { Logger } from '@ecp/logging/logger';
import type { ServiceDirectory } from '@ecp/service-kit/service-directory';
import type { EntityManager } from '@mikro-orm/postgresql';
import { LEDGER_DECISIONS, type LedgerDecision } from '../../ledger/ledger-operations';
import { DIVERGENCE_SCORED, DIVERGENCE_THRESHOLD_EXCEEDED } from '../../topics';
import { PollEntity } from '../polls/poll.entity';
import { talliedVote } from '../polls/poll-closing';
import { voteWeight } from '../polls/poll-result';
import { VoteEntity } from '../votes/vote.entity';
import { effectiveWeightSet } from '../weights/effective-weights';
import { weightsVersionOf } from '../weights/weight-set';
import { scoreDivergence } from './divergence';
import { DivergenceEntity, type DivergenceRow } from './divergence.entity';

/**
 * The decisions a consumer job's events name, fetched from the ledger in one call (with their
 * precedent choices, counted before each one's index), so a job of a hundred events asks once.
 */
export async function fetchDecisions(
  ids: readonly string[],
  services: ServiceDirectory,
  logger: Logger,
): Promise<Map<string, LedgerDecision | null>> {
  const unique = [...new Set(ids)];
  const { _entities } = await services
    .client('ledger')
    .request(
      LEDGER_DECISIONS,
      { representations: unique.map((id) => ({ __typename: 'Decision' as const, id })) },
      { logger },
    );
  return new Map(unique.map((id, i) => [id, _entities[i] ?? null]));
}

/**
 * Scores one committed decision's divergence from its advice, in the consumer's transaction: from the
 * decision and its precedent as the ledger gave them (choices before its index, so the score does not
 * depend on when it is computed) and the poll in this schema, and writes the score with its
 * `divergenceScored` event — and, past the jurisdiction's threshold, the alert event for operations.
 */
export async function scoreCommittedDecision(
  decisionId: string,
  context: {
    em: EntityManager;
    outbox: Outbox;
    decisions: Map<string, LedgerDecision | null>;
    logger: Logger;
  },
): Promise<DivergenceRow | null> {
  const { em, outbox, decisions } = context;
  const scored = await em.findOne(DivergenceEntity, { decisionId });
  if (scored) return scored;
  const decision = await decisions.get(decisionId);
  // Published after its commit, so the ledger has it: a miss is a fault worth retrying.
  if (!decision) throw new Error(`the ledger does not know decision ${decisionId}`);
  const optionIds = decision.options.map((o) => o.id);
  const precedent = Object.fromEntries(decision.precedentChoices.map((c) => [c.option, c.count]));
  const pollId = decision.advice?.pollId ?? null;
  let pollWeights: Record<string, number> | null = null;
  let pollVotes = 0;
  if (pollId) {
    const poll = await em.findOne(PollEntity, { id: pollId });
    if (poll) {
      const votes = (await em.find(VoteEntity, { pollId })).map(talliedVote);
      pollVotes = votes.length;
      pollWeights = {};
      for (const v of votes)
        pollWeights[v.option] = (pollWeights[v.option] ?? 0) + voteWeight(poll.weighting, v);
    }
  }
  const weights = await effectiveWeightSet(em, decision.jurisdiction);
  const score = scoreDivergence({
    optionIds,
    chosenOption: decision.chosenOption,
    poll: pollWeights,
    precedent,
    consortium: null,
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
    evidence: { precedent, poll: pollWeights, pollVotes, precedentBeforeIndex: decision.ledgerIndex },
    scoredAt: new Date(),
  });
  await em.flush();
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
