/**
 * How well an agent's stated confidence matched what happened.
 *
 * Brier score: the mean of (p − o)² over reports, where p is the stated confidence and o is 1 for a
 * success and 0 for a failure. 0 is perfect; always saying 0.5 scores 0.25; confidently wrong scores 1.
 */
export interface Calibration {
  reports: number;
  brierScore: number | null;
  successRate: number | null;
  meanStatedConfidence: number | null;
}

export function calibrationOf(
  reports: readonly { statedConfidence: number; success: boolean }[],
): Calibration {
  if (reports.length === 0)
    return { reports: 0, brierScore: null, successRate: null, meanStatedConfidence: null };
  let brier = 0;
  let successes = 0;
  let confidence = 0;
  for (const { statedConfidence, success } of reports) {
    const outcome = success ? 1 : 0;
    brier += (statedConfidence - outcome) ** 2;
    successes += outcome;
    confidence += statedConfidence;
  }
  const n = reports.length;
  return {
    reports: n,
    brierScore: brier / n,
    successRate: successes / n,
    meanStatedConfidence: confidence / n,
  };
}
