/**
 * Sample quantiles, for the percentile bootstrap interval in `consensus.ts`.
 */

/**
 * The `probability` quantile of `sortedValues` (ascending, at least one value) by linear interpolation
 * between order statistics: Hyndman & Fan (1996) type 7, the default of R's `quantile` and of NumPy's
 * `percentile`. With n values x[0] ≤ … ≤ x[n−1], let h = (n − 1)·probability, j = ⌊h⌋; the quantile is
 * x[j] + (h − j)·(x[j+1] − x[j]), and x[n−1] when j = n − 1.
 *
 * @throws RangeError if there are no values or `probability` is not in [0, 1].
 */
export function quantile(sortedValues: readonly number[], probability: number): number {
  if (sortedValues.length === 0) throw new RangeError('the quantile of no values is undefined');
  if (!(probability >= 0 && probability <= 1)) {
    throw new RangeError(`quantile probability must be in [0, 1], got ${probability}`);
  }
  const position = (sortedValues.length - 1) * probability;
  const below = Math.floor(position);
  const lower = sortedValues[below] as number;
  if (below === sortedValues.length - 1) return lower;
  const upper = sortedValues[below + 1] as number;
  if (lower === upper) return lower;
  return lower + (position - below) * (upper - lower);
}
