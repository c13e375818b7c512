import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { jensenShannonDivergence, oneHot } from './divergence';

/** Two distributions of the same length (1 to 8), each with some mass. */
const distributionPairArb = fc.integer({ min: 1, max: 8 }).chain((length) => {
  const distribution = fc
    .array(fc.double({ min: 0, max: 1e6, noNaN: true }), { minLength: length, maxLength: length })
    .filter((shares) => shares.some((share) => share > 0));
  return fc.tuple(distribution, distribution);
});

describe('jensenShannonDivergence', () => {
  it('is 1 bit for distributions with no option in common and 0 for identical ones', () => {
    expect(jensenShannonDivergence([1, 0], [0, 1])).toBe(1);
    expect(jensenShannonDivergence([0.2, 0.3, 0.5], [0.2, 0.3, 0.5])).toBe(0);
  });

  it('normalises its inputs', () => {
    expect(jensenShannonDivergence([2, 6, 0], [1, 3, 0])).toBe(0);
    expect(jensenShannonDivergence([3, 1], [1, 0])).toBe(jensenShannonDivergence([0.75, 0.25], [1, 0]));
  });

  it('stays near 0 when a share is too small to halve', () => {
    expect(jensenShannonDivergence([Number.MIN_VALUE, 1], [0, 1])).toBeLessThan(1e-300);
  });

  it('matches a value worked by hand', () => {
    // p = (1, 0), q = (½, ½), m = (¾, ¼):
    // ½·log₂(1/¾) + ½·(½·log₂(½/¾) + ½·log₂(½/¼)) = 3/2 − ¾·log₂3 ≈ 0.311278
    const expected = 1.5 - 0.75 * Math.log2(3);
    expect(jensenShannonDivergence([1, 0], [0.5, 0.5])).toBeCloseTo(expected, 15);
    expect(jensenShannonDivergence([1, 0], [0.5, 0.5])).toBeCloseTo(0.311278, 6);
  });

  it('is symmetric, in [0, 1], and 0 on identical inputs (property)', () => {
    fc.assert(
      fc.property(distributionPairArb, ([p, q]) => {
        const divergence = jensenShannonDivergence(p, q);
        expect(jensenShannonDivergence(q, p)).toBe(divergence);
        expect(divergence).toBeGreaterThanOrEqual(0);
        expect(divergence).toBeLessThanOrEqual(1);
        expect(jensenShannonDivergence(p, p)).toBe(0);
      }),
    );
  });

  it('rejects inputs of different lengths, bad entries and inputs with no mass', () => {
    expect(() => jensenShannonDivergence([1, 0], [1, 0, 0])).toThrow(RangeError);
    expect(() => jensenShannonDivergence([1, -1], [1, 0])).toThrow(RangeError);
    expect(() => jensenShannonDivergence([1, Number.NaN], [1, 0])).toThrow(RangeError);
    expect(() => jensenShannonDivergence([1, Number.POSITIVE_INFINITY], [1, 0])).toThrow(RangeError);
    expect(() => jensenShannonDivergence([0, 0], [1, 0])).toThrow(RangeError);
    expect(() => jensenShannonDivergence([1, 0], [0, 0])).toThrow(RangeError);
    expect(() => jensenShannonDivergence([], [])).toThrow(RangeError);
  });
});

describe('oneHot', () => {
  it('puts 1 on the chosen option and 0 elsewhere', () => {
    expect(oneHot(['yes', 'no', 'abstain'], 'no')).toEqual([0, 1, 0]);
  });

  it('compared with a distribution, measures how far one choice is from the outcome', () => {
    expect(jensenShannonDivergence(oneHot(['yes', 'no'], 'yes'), [1, 0])).toBe(0);
    expect(jensenShannonDivergence(oneHot(['yes', 'no'], 'no'), [1, 0])).toBe(1);
  });

  it('rejects a choice not among the options and an option listed twice', () => {
    expect(() => oneHot(['yes', 'no'], 'maybe')).toThrow(RangeError);
    expect(() => oneHot(['yes', 'yes'], 'yes')).toThrow(RangeError);
  });
});
