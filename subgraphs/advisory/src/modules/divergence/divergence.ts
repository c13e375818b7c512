import { jensenShannonDivergence, oneHot } from '@ecp/scoring/divergence';
import {
  DIVERGENCE_COMPONENTS,
  type DivergenceComponent,
  type DivergenceWeights,
} from '../weights/weight-set';

export interface DivergenceInput {
  optionIds: readonly string[];
  chosenOption: string;
  /** The weight of the decision's poll on each option; null without a poll or without weighted votes. */
  poll: Record<string, number> | null;
  /** Earlier choices among the options in the decision's jurisdiction and category; null or empty: none. */
  precedent: Record<string, number> | null;
  /**
   * How far the chosen option's expected success falls below the best one's in the learning
   * consortium's recommendation, in [0, 1]; null without one.
   */
  consortium: number | null;
  weights: DivergenceWeights;
  threshold: number;
}

export interface DivergenceScore {
  fromPoll: number | null;
  fromPrecedent: number | null;
  fromConsortium: number | null;
  /** The weighted mean of the parts that could be measured (0 when none could). */
  combined: number;
  /** The weights the parts counted with, scaled over those measured. */
  weightsUsed: DivergenceWeights;
  threshold: number;
  exceeded: boolean;
}

/**
 * The Jensen–Shannon divergence (base 2, in [0, 1]) between choosing `chosen` and the weights over the
 * options; null when no option carries weight (nothing to diverge from).
 */
export function divergenceFromWeights(
  optionIds: readonly string[],
  chosen: string,
  weights: Record<string, number> | null,
) {
  if (!weights) return null;
  const distribution = optionIds.map((o) => weights[o] ?? 0);
  if (distribution.reduce((a, b) => a + b, 0) <= 0) return null;
  return jensenShannonDivergence(distribution, oneHot(optionIds, chosen));
}

/**
 * How far a committed decision departs from its advice: the Jensen–Shannon divergence (base 2, so in
 * [0, 1]) between the agent's choice, as a one-hot distribution, and the poll's weighted vote, and the
 * earlier choices in its jurisdiction and category; combined by the weight set's weights, scaled over
 * the parts that exist (docs/scoring.md, "Divergence").
 */
export function scoreDivergence(input: DivergenceInput): DivergenceScore {
  const parts: Record<DivergenceComponent, number | null> = {
    poll: divergenceFromWeights(input.optionIds, input.chosenOption, input.poll),
    precedent: divergenceFromWeights(input.optionIds, input.chosenOption, input.precedent),
    consortium: input.consortium,
  };
  const measuredWeight = DIVERGENCE_COMPONENTS.reduce(
    (sum, c) => sum + (parts[c] === null ? 0 : input.weights[c]),
    0,
  );
  const weightsUsed = Object.fromEntries(
    DIVERGENCE_COMPONENTS.map((c) => [
      c,
      parts[c] === null || measuredWeight === 0 ? 0 : input.weights[c] / measuredWeight,
    ]),
  ) as DivergenceWeights;
  const combined = Math.min(
    1,
    Math.max(
      0,
      DIVERGENCE_COMPONENTS.reduce((sum, c) => sum + (parts[c] ?? 0) * weightsUsed[c], 0),
    ),
  );
  return {
    fromPoll: parts.poll,
    fromPrecedent: parts.precedent,
    fromConsortium: parts.consortium,
    combined,
    weightsUsed,
    threshold: input.threshold,
    exceeded: combined > input.threshold,
  };
}
