import { describe, expect, it } from 'vitest';
import { calibrationOf } from './calibration';

describe('calibrationOf', () => {
  it('has no scores without reports', () => {
    expect(calibrationOf([])).toEqual({
      reports: 0,
      brierScore: null,
      successRate: null,
      meanStatedConfidence: null,
    });
  });

  it('computes the Brier score on worked examples', () => {
    // Always 0.5: 0.25 whatever happens.
    expect(
      calibrationOf([
        { statedConfidence: 0.5, success: true },
        { statedConfidence: 0.5, success: false },
      ]).brierScore,
    ).toBe(0.25);
    // Confident and right, confident and wrong: ((0.9-1)² + (0.9-0)²)/2 = (0.01 + 0.81)/2 = 0.41.
    const c = calibrationOf([
      { statedConfidence: 0.9, success: true },
      { statedConfidence: 0.9, success: false },
    ]);
    expect(c.brierScore).toBeCloseTo(0.41, 12);
    expect(c.successRate).toBe(0.5);
    expect(c.meanStatedConfidence).toBeCloseTo(0.9, 12);
    expect(calibrationOf([{ statedConfidence: 1, success: true }]).brierScore).toBe(0);
    expect(calibrationOf([{ statedConfidence: 1, success: false }]).brierScore).toBe(1);
  });
});
