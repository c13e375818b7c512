/**
 * How a poll's vote weight falls over its options: the probability distribution every other score in
 * this package starts from.
 */
import { compareCodeUnits } from './canonical-order';

/** One vote: the option chosen and the weight the voter carries (finite, ≥ 0). */
export interface WeightedVote {
  option: string;
  weight: number;
}

/**
 * Orders votes by option, then by weight. Votes that compare equal are interchangeable, so a list sorted
 * this way is the same list whatever order the votes arrived in.
 */
export function compareVotes(a: WeightedVote, b: WeightedVote): number {
  return compareCodeUnits(a.option, b.option) || a.weight - b.weight;
}

/**
 * @throws RangeError if an option is listed twice: its share of the weight would be ambiguous.
 */
export function assertDistinctOptions(options: readonly string[]): void {
  const seen = new Set<string>();
  for (const option of options) {
    if (seen.has(option)) throw new RangeError(`option ${JSON.stringify(option)} is listed twice`);
    seen.add(option);
  }
}

/**
 * @throws RangeError if a weight is not a finite number ≥ 0.
 */
export function assertValidWeight(weight: number): void {
  if (!Number.isFinite(weight) || weight < 0) {
    throw new RangeError(`vote weight must be a finite number ≥ 0, got ${weight}`);
  }
}

/**
 * The share of the total vote weight each option received, in the order of `options`. The shares sum
 * to 1 (up to rounding), or are all 0 when the total weight is 0 (no votes, or only weightless ones).
 *
 * Weights are summed in ascending order, so the result is the same to the last bit whatever order the
 * votes come in.
 *
 * @throws RangeError if an option is listed twice, a vote is for an option not in `options`, a weight
 * is not a finite number ≥ 0, or the weights add up to more than a double can hold.
 */
export function weightedDistribution(options: readonly string[], votes: readonly WeightedVote[]): number[] {
  assertDistinctOptions(options);
  const indexOfOption = new Map(options.map((option, index) => [option, index]));
  for (const vote of votes) {
    if (!indexOfOption.has(vote.option)) {
      throw new RangeError(`vote for ${JSON.stringify(vote.option)}, which is not among the options`);
    }
    assertValidWeight(vote.weight);
  }
  const weightPerOption = options.map(() => 0);
  let totalWeight = 0;
  for (const vote of [...votes].sort((a, b) => a.weight - b.weight)) {
    const index = indexOfOption.get(vote.option) as number;
    weightPerOption[index] = (weightPerOption[index] as number) + vote.weight;
    totalWeight += vote.weight;
  }
  if (!Number.isFinite(totalWeight)) throw new RangeError('the total vote weight is too large to represent');
  if (totalWeight === 0) return weightPerOption.map(() => 0);
  return weightPerOption.map((weight) => weight / totalWeight);
}
