/**
 * How well an agent's stated confidence matched what happened, and the weight its reports count with
 * in the lessons (LSP v0.1 §3).
 *
 * Brier score: the mean of (p − s)² over the agent's current reports (a superseded report no longer
 * counts), p the confidence it stated and s the reported success in [0, 1]. 0 is perfect; always
 * saying 0.5 scores 0.25; confidently wrong scores 1.
 *
 * Weight: skill q = clamp(1 − 2·BS, 0, 1) — 1 for a perfect record, 0.5 for a coin flip, 0 from
 * BS = 0.5 on — shrunk toward the neutral 0.5 by k pseudo-reports (LSP_CALIBRATION_SHRINKAGE,
 * default 10): w = (n·q + k·0.5)/(n + k). An agent without reports weighs 0.5; a coin-flip agent
 * weighs exactly 0.5 whatever n; a well-calibrated one (BS < 0.25) weighs more, a badly calibrated one
 * less, each the more so the more it has reported. One new agent cannot swing a lesson: after its
 * first report its weight is within 0.5/(k + 1) of neutral.
 */
export interface Calibration {
  reports: number;
  brierScore: number | null;
  successRate: number | null;
  meanStatedConfidence: number | null;
  weight: number;
}

/** The weight of an agent with no record, and the value records are shrunk toward. */
export const NEUTRAL_WEIGHT = 0.5;

/** The skill a Brier score shows, in [0, 1]: 1 − 2·BS, clamped. */
export function skillOf(brierScore: number): number {
  return Math.min(1, Math.max(0, 1 - 2 * brierScore));
}

/** The shrunk weight of n reports with the given Brier score (`null` with none). */
export function weightOf(reports: number, brierScore: number | null, shrinkage: number): number {
  if (reports === 0 || brierScore === null) return NEUTRAL_WEIGHT;
  return (reports * skillOf(brierScore) + shrinkage * NEUTRAL_WEIGHT) / (reports + shrinkage);
}

export function calibrationOf(
  reports: readonly { statedConfidence: number; success: number }[],
  shrinkage: number,
): Calibration {
  if (reports.length === 0)
    return {
      reports: 0,
      brierScore: null,
      successRate: null,
      meanStatedConfidence: null,
      weight: NEUTRAL_WEIGHT,
    };
  let brier = 0;
  let successes = 0;
  let confidence = 0;
  for (const { statedConfidence, success } of reports) {
    brier += (statedConfidence - success) ** 2;
    successes += success;
    confidence += statedConfidence;
  }
  const n = reports.length;
  const brierScore = brier / n;
  return {
    reports: n,
    brierScore,
    successRate: successes / n,
    meanStatedConfidence: confidence / n,
    weight: weightOf(n, brierScore, shrinkage),
  };
}
