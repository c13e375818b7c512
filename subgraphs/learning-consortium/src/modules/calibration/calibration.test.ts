import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { calibrationOf, NEUTRAL_WEIGHT, weightOf } from './calibration';

describe('calibrationOf', () => {
  it('has no scores and the neutral weight without reports', () => {
    expect(calibrationOf([], 10)).toEqual({
      reports: 0,
      brierScore: null,
      successRate: null,
      meanStatedConfidence: null,
      weight: 0.5,
    });
  });

  it('computes the Brier score and weight on worked examples', () => {
    // Always 0.5: 0.25 whatever happens, and so exactly the neutral weight.
    const coin = calibrationOf(
      [
        { statedConfidence: 0.5, success: 1 },
        { statedConfidence: 0.5, success: 0 },
      ],
      10,
    );
    expect(coin.brierScore).toBe(0.25);
    expect(coin.weight).toBe(0.5);
    // Confident and right, confident and wrong: ((0.9-1)² + (0.9-0)²)/2 = 0.41; q = 1 − 0.82 = 0.18;
    // w = (2·0.18 + 10·0.5)/12 = 5.36/12.
    const c = calibrationOf(
      [
        { statedConfidence: 0.9, success: 1 },
        { statedConfidence: 0.9, success: 0 },
      ],
      10,
    );
    expect(c.brierScore).toBeCloseTo(0.41, 12);
    expect(c.successRate).toBe(0.5);
    expect(c.meanStatedConfidence).toBeCloseTo(0.9, 12);
    expect(c.weight).toBeCloseTo(5.36 / 12, 12);
    // Partial success: (0.8 − 0.6)² = 0.04; q = 0.92; w = (0.92 + 10·0.5)/11.
    const partial = calibrationOf([{ statedConfidence: 0.8, success: 0.6 }], 10);
    expect(partial.brierScore).toBeCloseTo(0.04, 12);
    expect(partial.weight).toBeCloseTo(5.92 / 11, 12);
    // Ten perfect reports with k = 10: (10·1 + 10·0.5)/20 = 0.75.
    expect(weightOf(10, 0, 10)).toBe(0.75);
    expect(weightOf(10, 1, 10)).toBe(0.25);
  });

  it('keeps a coin flip at or below neutral, a calibrated record above, and one report near neutral', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 10_000 }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        fc.integer({ min: 0, max: 100 }),
        (n, bs, k) => {
          const w = weightOf(n, bs, k);
          expect(w).toBeGreaterThanOrEqual(0);
          expect(w).toBeLessThanOrEqual(1);
          if (bs >= 0.25) expect(w).toBeLessThanOrEqual(NEUTRAL_WEIGHT + 1e-12);
          if (bs < 0.25 && k < Number.POSITIVE_INFINITY) expect(w).toBeGreaterThan(NEUTRAL_WEIGHT);
          expect(Math.abs(weightOf(1, bs, k) - NEUTRAL_WEIGHT)).toBeLessThanOrEqual(0.5 / (k + 1) + 1e-12);
        },
      ),
    );
  });
});
