/**
 * Consensus: how far a poll's vote weight is from an even split, from 0 (every option got the same
 * weight) to 1 (all weight on one option), with a bootstrap interval saying how much that figure would
 * move had a different sample of the same electorate voted.
 */
import { compareCodeUnits } from './canonical-order';
import type { WeightedVote } from './distribution';
import { assertDistinctOptions, compareVotes, weightedDistribution } from './distribution';
import { quantile } from './quantile';
import { fnv1a32, mulberry32, randomIndex } from './seeded-random';

/**
 * Normalised-entropy consensus of a distribution over a poll's k options: 1 − H(p)/log k, where
 * H(p) = −Σ pᵢ log pᵢ is the Shannon (1948) entropy, with 0·log 0 = 0. All weight on one option gives 1;
 * equal weight on every option gives 0 (up to rounding).
 *
 * `distribution` holds one entry per option, unused options included (k is the number of entries,
 * not of options that got votes); it need not sum to 1 and is normalised here. Entries are summed in
 * ascending order, so the result does not depend on the order of the options. Float error is clamped
 * away, so the result is always in [0, 1].
 *
 * @throws RangeError if there are fewer than 2 entries, an entry is not a finite number ≥ 0, the
 * entries add up to more than a double can hold, or all entries are 0 (no votes).
 */
export function consensus(distribution: readonly number[]): number {
  if (distribution.length < 2) {
    throw new RangeError(`consensus needs at least 2 options, got ${distribution.length}`);
  }
  for (const share of distribution) {
    if (!Number.isFinite(share) || share < 0) {
      throw new RangeError(`distribution entries must be finite numbers ≥ 0, got ${share}`);
    }
  }
  const ascending = [...distribution].sort((a, b) => a - b);
  let total = 0;
  for (const share of ascending) total += share;
  if (!Number.isFinite(total))
    throw new RangeError('the distribution adds up to more than a double can hold');
  if (total === 0) throw new RangeError('no votes: every entry of the distribution is 0');
  let entropy = 0;
  for (const share of ascending) {
    const probability = share / total;
    // A tiny share can round to probability 0; 0·log 0 = 0 covers it along with the empty options.
    if (probability === 0) continue;
    entropy -= probability * Math.log(probability);
  }
  const value = 1 - entropy / Math.log(distribution.length);
  return Math.min(1, Math.max(0, value));
}

/** A consensus figure with its bootstrap confidence interval. */
export interface ConsensusEstimate {
  /** {@link consensus} of the weighted distribution of all the votes. */
  consensus: number;
  /** [lower, upper] percentile bootstrap bounds; see {@link consensusWithInterval}. */
  interval: [number, number];
  /** How many resamples the interval was computed from: those requested, less any with no weight. */
  resamples: number;
}

/** Options for {@link consensusWithInterval}. */
export interface ConsensusIntervalOptions {
  /** Number of bootstrap resamples, a positive integer; 2000 when not given. */
  resamples?: number;
  /** Coverage of the interval, strictly between 0 and 1; 0.95 when not given. */
  confidence?: number;
}

const DEFAULT_RESAMPLES = 2000;
const DEFAULT_CONFIDENCE = 0.95;

/**
 * The {@link consensus} of a poll's weighted votes, with a percentile bootstrap interval
 * (Efron & Tibshirani 1993, "An Introduction to the Bootstrap", ch. 13).
 *
 * The bootstrap: draw `resamples` samples of as many votes as there are, with replacement, from the
 * votes; take the consensus of each sample's weighted distribution over all the options; the interval
 * is the (1 − confidence)/2 and (1 + confidence)/2 quantiles of those figures, by linear interpolation
 * (Hyndman & Fan type 7, see `quantile.ts`). A sample whose votes all have weight 0 has no
 * distribution; it is skipped, and `resamples` in the result counts only the samples used.
 *
 * The result is a function of the set of votes and options alone: options are sorted, votes are
 * sorted by option then weight, and the draws come from {@link mulberry32} seeded with
 * {@link fnv1a32} of the sorted votes as JSON (`[["option",weight],…]`). The same votes, in any order,
 * always give the same interval.
 *
 * Unanimity (all weight on one option) gives consensus 1 and interval [1, 1]. A percentile interval
 * need not contain the point estimate: at or near an even split almost every resample is less even
 * than the votes themselves, so the whole interval can lie above the point estimate (100 votes each
 * for three options give consensus 0 and an interval that starts above 0). That is how the method
 * behaves, not an error: consensus cannot fall below 0, so its resamples can only scatter upwards.
 *
 * @throws RangeError on the conditions of {@link weightedDistribution} and {@link consensus} (fewer than
 * 2 options, no vote weight at all), if `resamples` is not a positive integer or `confidence` not
 * strictly between 0 and 1, or if every resample had weight 0 (only possible with very few resamples).
 */
export function consensusWithInterval(
  options: readonly string[],
  votes: readonly WeightedVote[],
  opts: ConsensusIntervalOptions = {},
): ConsensusEstimate {
  const resamples = opts.resamples ?? DEFAULT_RESAMPLES;
  const confidence = opts.confidence ?? DEFAULT_CONFIDENCE;
  if (!Number.isInteger(resamples) || resamples < 1) {
    throw new RangeError(`resamples must be a positive integer, got ${resamples}`);
  }
  if (!(confidence > 0 && confidence < 1)) {
    throw new RangeError(`confidence must be strictly between 0 and 1, got ${confidence}`);
  }
  assertDistinctOptions(options);
  const sortedOptions = [...options].sort(compareCodeUnits);
  const sortedVotes = [...votes].sort(compareVotes);
  const pointEstimate = consensus(weightedDistribution(sortedOptions, sortedVotes));

  const indexOfOption = new Map(sortedOptions.map((option, index) => [option, index]));
  const voteOptionIndex = sortedVotes.map((vote) => indexOfOption.get(vote.option) as number);
  const random = mulberry32(fnv1a32(JSON.stringify(sortedVotes.map((vote) => [vote.option, vote.weight]))));

  const resampledConsensus: number[] = [];
  for (let resample = 0; resample < resamples; resample++) {
    const weightPerOption = sortedOptions.map(() => 0);
    let totalWeight = 0;
    for (let draw = 0; draw < sortedVotes.length; draw++) {
      const voteIndex = randomIndex(random, sortedVotes.length);
      const weight = (sortedVotes[voteIndex] as WeightedVote).weight;
      const optionIndex = voteOptionIndex[voteIndex] as number;
      weightPerOption[optionIndex] = (weightPerOption[optionIndex] as number) + weight;
      totalWeight += weight;
    }
    if (totalWeight > 0) resampledConsensus.push(consensus(weightPerOption));
  }
  if (resampledConsensus.length === 0) {
    throw new RangeError(`no resample (of ${resamples}) drew a vote with weight; use more resamples`);
  }
  resampledConsensus.sort((a, b) => a - b);
  const tail = (1 - confidence) / 2;
  const lower = Math.min(1, Math.max(0, quantile(resampledConsensus, tail)));
  const upper = Math.min(1, Math.max(0, quantile(resampledConsensus, 1 - tail)));
  return { consensus: pointEstimate, interval: [lower, upper], resamples: resampledConsensus.length };
}
