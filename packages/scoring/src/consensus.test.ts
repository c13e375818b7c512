import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { optionsArb, pollArb, shuffled, weightArb } from '../test/arbitraries';
import { consensus, consensusWithInterval } from './consensus';
import type { WeightedVote } from './distribution';
import { weightedDistribution } from './distribution';

/** Far below any difference a reader of a consensus figure could care about, far above rounding. */
const ROUNDING = 1e-12;

describe('consensus', () => {
  it('is 1 for unanimity and 0 for an even split', () => {
    expect(consensus([1, 0])).toBe(1);
    expect(consensus([0, 0, 7])).toBe(1);
    expect(consensus([1, 1])).toBe(0);
    expect(consensus([2, 2, 2, 2])).toBe(0);
  });

  it('matches values worked by hand', () => {
    // (¾, ¼) over 2 options: H = −(¾·ln¾ + ¼·ln¼), 1 − H/ln 2 = 1 − (2 − ¾·log₂3) ≈ 0.188722
    expect(consensus([3, 1])).toBeCloseTo(0.75 * Math.log2(3) - 1, 15);
    expect(consensus([3, 1])).toBeCloseTo(0.188722, 6);
    // The same votes in a 3-option poll: an unused option makes the split less even, so consensus rises.
    expect(consensus([3, 1, 0])).toBeCloseTo(1 - (2 - 0.75 * Math.log2(3)) / Math.log2(3), 15);
    expect(consensus([3, 1, 0])).toBeCloseTo(0.48814, 5);
  });

  it('counts a share too small to survive normalisation as 0', () => {
    expect(consensus([Number.MIN_VALUE, 0, 2])).toBe(1);
  });

  it('does not need a normalised input', () => {
    expect(consensus([30, 10])).toBe(consensus([0.75, 0.25]));
  });

  it('is in [0, 1] and independent of the order of the entries (property)', () => {
    fc.assert(
      fc.property(
        fc
          .array(fc.double({ min: 0, max: 1e300, noNaN: true }), { minLength: 2, maxLength: 20 })
          .filter((shares) => shares.some((share) => share > 0)),
        fc.integer(),
        (distribution, seed) => {
          const value = consensus(distribution);
          expect(value).toBeGreaterThanOrEqual(0);
          expect(value).toBeLessThanOrEqual(1);
          expect(consensus(shuffled(distribution, seed))).toBe(value);
        },
      ),
    );
  });

  it('is 0 for equal weight on every option (property)', () => {
    fc.assert(
      fc.property(
        optionsArb,
        fc.array(
          weightArb.filter((weight) => weight > 0),
          { minLength: 1, maxLength: 5 },
        ),
        (options, weights) => {
          // Every option receives the same list of votes.
          const votes = options.flatMap((option) => weights.map((weight) => ({ option, weight })));
          expect(consensus(weightedDistribution(options, votes))).toBeLessThan(ROUNDING);
          expect(consensus(weightedDistribution(options, votes))).toBeGreaterThanOrEqual(0);
        },
      ),
    );
  });

  it('rejects fewer than 2 options, bad entries and no votes', () => {
    expect(() => consensus([])).toThrow(RangeError);
    expect(() => consensus([1])).toThrow(RangeError);
    expect(() => consensus([1, -1])).toThrow(RangeError);
    expect(() => consensus([1, Number.NaN])).toThrow(RangeError);
    expect(() => consensus([1, Number.POSITIVE_INFINITY])).toThrow(RangeError);
    expect(() => consensus([Number.MAX_VALUE, Number.MAX_VALUE])).toThrow(RangeError);
    expect(() => consensus([0, 0, 0])).toThrow(/no votes/);
  });
});

/** `count` votes of weight 1 for `option`. */
function votesFor(option: string, count: number): WeightedVote[] {
  return Array.from({ length: count }, () => ({ option, weight: 1 }));
}

describe('consensusWithInterval', () => {
  it('gives the point estimate of the weighted distribution and an interval around it', () => {
    const votes = [...votesFor('yes', 14), ...votesFor('no', 4), ...votesFor('abstain', 2)];
    const estimate = consensusWithInterval(['yes', 'no', 'abstain'], votes);
    expect(estimate.consensus).toBe(consensus([14, 4, 2]));
    expect(estimate.resamples).toBe(2000);
    const [lower, upper] = estimate.interval;
    expect(lower).toBeLessThan(estimate.consensus);
    expect(upper).toBeGreaterThan(estimate.consensus);
  });

  it('gives the same interval as it always has for a fixed poll', () => {
    // A change here changes every interval already shown to anyone: the seed, the generator or the
    // canonical order moved. (Compared to 12 places, not exactly: Math.log may differ in the last bit
    // between JavaScript engines.)
    const votes = [...votesFor('yes', 14), ...votesFor('no', 4), ...votesFor('abstain', 2)];
    const estimate = consensusWithInterval(['yes', 'no', 'abstain'], votes);
    expect(estimate.consensus).toBeCloseTo(0.27015330083790234, 12);
    expect(estimate.interval[0]).toBeCloseTo(0.08028267642490683, 12);
    expect(estimate.interval[1]).toBeCloseTo(0.6410037503534696, 12);
  });

  it('narrows as the confidence falls and is stable in the number of resamples', () => {
    const votes = [...votesFor('yes', 14), ...votesFor('no', 6)];
    const wide = consensusWithInterval(['yes', 'no'], votes, { confidence: 0.95 });
    const narrow = consensusWithInterval(['yes', 'no'], votes, { confidence: 0.5 });
    expect(narrow.interval[0]).toBeGreaterThanOrEqual(wide.interval[0]);
    expect(narrow.interval[1]).toBeLessThanOrEqual(wide.interval[1]);
    expect(consensusWithInterval(['yes', 'no'], votes, { resamples: 300 }).resamples).toBe(300);
  });

  it('may leave out the point estimate: a large even split resamples to less even splits', () => {
    const votes = [...votesFor('a', 100), ...votesFor('b', 100), ...votesFor('c', 100)];
    const estimate = consensusWithInterval(['a', 'b', 'c'], votes);
    expect(estimate.consensus).toBeLessThan(ROUNDING);
    expect(estimate.interval[0]).toBeGreaterThan(estimate.consensus);
  });

  it('skips resamples that drew only weightless votes', () => {
    const votes = [
      { option: 'a', weight: 1 },
      ...Array.from({ length: 3 }, () => ({ option: 'b', weight: 0 })),
    ];
    const estimate = consensusWithInterval(['a', 'b'], votes);
    // Each resample misses the one weighted vote with probability (3/4)^4 ≈ 0.32.
    expect(estimate.resamples).toBeLessThan(2000);
    expect(estimate.resamples).toBeGreaterThan(1000);
    expect(estimate).toMatchObject({ consensus: 1, interval: [1, 1] });
  });

  it('rejects a run in which no resample drew a vote with weight', () => {
    // With this poll's seed, the single resample happens to draw only the two weightless votes.
    const votes = [
      { option: 'a', weight: 1 },
      ...Array.from({ length: 2 }, () => ({ option: 'b', weight: 0 })),
    ];
    expect(() => consensusWithInterval(['a', 'b'], votes, { resamples: 1 })).toThrow(/no resample/);
  });

  it('gives consensus 1 and interval [1, 1] for unanimity (property)', () => {
    fc.assert(
      fc.property(
        optionsArb,
        fc.nat(),
        fc.array(weightArb, { minLength: 1, maxLength: 25 }).filter((ws) => ws.some((w) => w > 0)),
        (options, chosenIndex, weights) => {
          const chosen = options[chosenIndex % options.length] as string;
          const votes = weights.map((weight) => ({ option: chosen, weight }));
          const estimate = consensusWithInterval(options, votes, { resamples: 200 });
          expect(estimate.consensus).toBe(1);
          expect(estimate.interval).toEqual([1, 1]);
        },
      ),
    );
  });

  it('stays in [0, 1] with lower ≤ upper (property)', () => {
    fc.assert(
      fc.property(pollArb(), ({ options, votes }) => {
        const { consensus: value, interval } = consensusWithInterval(options, votes, { resamples: 200 });
        for (const bound of [value, ...interval]) {
          expect(bound).toBeGreaterThanOrEqual(0);
          expect(bound).toBeLessThanOrEqual(1);
        }
        expect(interval[0]).toBeLessThanOrEqual(interval[1]);
      }),
    );
  });

  it('is the same for any order of the options and of the votes (property)', () => {
    fc.assert(
      fc.property(pollArb(), fc.integer(), ({ options, votes }, seed) => {
        const estimate = consensusWithInterval(options, votes, { resamples: 200 });
        const reordered = consensusWithInterval(shuffled(options, seed), shuffled(votes, seed + 1), {
          resamples: 200,
        });
        expect(reordered).toEqual(estimate);
      }),
    );
  });

  it('is deterministic: the same votes always give the same interval (property)', () => {
    fc.assert(
      fc.property(pollArb(), ({ options, votes }) => {
        const copy = votes.map((vote) => ({ ...vote }));
        expect(consensusWithInterval(options, copy)).toEqual(consensusWithInterval(options, votes));
      }),
      { numRuns: 30 },
    );
  });

  it('rejects fewer than 2 options, no vote weight and votes the distribution rejects', () => {
    expect(() => consensusWithInterval(['a'], votesFor('a', 3))).toThrow(RangeError);
    expect(() => consensusWithInterval(['a', 'b'], [])).toThrow(/no votes/);
    expect(() => consensusWithInterval(['a', 'b'], [{ option: 'a', weight: 0 }])).toThrow(/no votes/);
    expect(() => consensusWithInterval(['a', 'b'], votesFor('c', 1))).toThrow(RangeError);
    expect(() => consensusWithInterval(['a', 'b'], [{ option: 'a', weight: -1 }])).toThrow(RangeError);
    expect(() => consensusWithInterval(['a', 'a'], votesFor('a', 1))).toThrow(RangeError);
  });

  it('rejects a bad number of resamples or confidence', () => {
    const votes = votesFor('a', 3);
    for (const resamples of [0, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY]) {
      expect(() => consensusWithInterval(['a', 'b'], votes, { resamples })).toThrow(RangeError);
    }
    for (const confidence of [0, 1, -0.5, 1.5, Number.NaN]) {
      expect(() => consensusWithInterval(['a', 'b'], votes, { confidence })).toThrow(RangeError);
    }
  });
});
