import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { quantile } from './quantile';

describe('quantile (Hyndman & Fan type 7)', () => {
  it("matches R's quantile(c(1, 2, 3, 4), p)", () => {
    const values = [1, 2, 3, 4];
    expect(quantile(values, 0)).toBe(1);
    expect(quantile(values, 0.025)).toBeCloseTo(1.075, 12);
    expect(quantile(values, 0.5)).toBe(2.5);
    expect(quantile(values, 0.975)).toBeCloseTo(3.925, 12);
    expect(quantile(values, 1)).toBe(4);
  });

  it('returns the value itself for a single value', () => {
    expect(quantile([0.3], 0.025)).toBe(0.3);
  });

  it('lies between the smallest and largest value (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: 1 }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        (values, probability) => {
          const sorted = [...values].sort((a, b) => a - b);
          const q = quantile(sorted, probability);
          expect(q).toBeGreaterThanOrEqual(sorted[0] as number);
          expect(q).toBeLessThanOrEqual(sorted[sorted.length - 1] as number);
        },
      ),
    );
  });

  it('rejects no values and probabilities outside [0, 1]', () => {
    expect(() => quantile([], 0.5)).toThrow(RangeError);
    expect(() => quantile([1], -0.1)).toThrow(RangeError);
    expect(() => quantile([1], 1.1)).toThrow(RangeError);
    expect(() => quantile([1], Number.NaN)).toThrow(RangeError);
  });
});
