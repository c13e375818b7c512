import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { pollArb, shuffled } from '../test/arbitraries';
import { weightedDistribution } from './distribution';

describe('weightedDistribution', () => {
  it('gives each option its share of the vote weight, in the order of the options', () => {
    const votes = [
      { option: 'yes', weight: 2 },
      { option: 'no', weight: 1 },
      { option: 'yes', weight: 1 },
    ];
    expect(weightedDistribution(['yes', 'no', 'abstain'], votes)).toEqual([0.75, 0.25, 0]);
    expect(weightedDistribution(['abstain', 'no', 'yes'], votes)).toEqual([0, 0.25, 0.75]);
  });

  it('is all zeros when there is no vote weight', () => {
    expect(weightedDistribution(['a', 'b'], [])).toEqual([0, 0]);
    expect(weightedDistribution(['a', 'b'], [{ option: 'a', weight: 0 }])).toEqual([0, 0]);
  });

  it('sums to 1 and is the same to the last bit for any order of the votes (property)', () => {
    fc.assert(
      fc.property(pollArb(), fc.integer(), ({ options, votes }, seed) => {
        const distribution = weightedDistribution(options, votes);
        expect(distribution.reduce((sum, share) => sum + share, 0)).toBeCloseTo(1, 12);
        expect(weightedDistribution(options, shuffled(votes, seed))).toEqual(distribution);
      }),
    );
  });

  it('rejects votes for options not in the list', () => {
    expect(() => weightedDistribution(['a', 'b'], [{ option: 'c', weight: 1 }])).toThrow(RangeError);
  });

  it('rejects weights that are negative, NaN or infinite', () => {
    for (const weight of [-1, -Number.MIN_VALUE, Number.NaN, Number.POSITIVE_INFINITY]) {
      expect(() => weightedDistribution(['a', 'b'], [{ option: 'a', weight }])).toThrow(RangeError);
    }
  });

  it('rejects an option listed twice and a total weight that overflows', () => {
    expect(() => weightedDistribution(['a', 'a'], [])).toThrow(RangeError);
    const huge = { option: 'a', weight: Number.MAX_VALUE };
    expect(() => weightedDistribution(['a', 'b'], [huge, huge])).toThrow(RangeError);
  });
});
