/**
 * Divergence between two distributions over the same options, such as an agent's choice against the
 * poll's weighted outcome.
 */
import { assertDistinctOptions } from './distribution';

function normalised(distribution: readonly number[], name: string): number[] {
  let total = 0;
  for (const share of distribution) {
    if (!Number.isFinite(share) || share < 0) {
      throw new RangeError(`${name} entries must be finite numbers ≥ 0, got ${share}`);
    }
    total += share;
  }
  if (!Number.isFinite(total)) throw new RangeError(`${name} adds up to more than a double can hold`);
  if (total === 0) throw new RangeError(`${name} has no mass: every entry is 0`);
  return distribution.map((share) => share / total);
}

/**
 * One term pᵢ·log₂(pᵢ/mᵢ) of KL(p‖m), with mᵢ = (pᵢ + qᵢ)/2 written as 2pᵢ/(pᵢ + qᵢ) inside the
 * logarithm: halving a tiny pᵢ could round mᵢ to 0, the sum never does. 0·log 0 = 0.
 */
function relativeEntropyTerm(probability: number, sumWithOther: number): number {
  if (probability === 0) return 0;
  return probability * Math.log2((2 * probability) / sumWithOther);
}

/**
 * The Jensen–Shannon divergence (Lin 1991, "Divergence measures based on the Shannon entropy") of `p`
 * and `q` in bits: JSD = ½·KL(p‖m) + ½·KL(q‖m) with m = ½(p + q) and KL the Kullback–Leibler
 * divergence in base 2. It is 0 for identical distributions, 1 for distributions with no option in
 * common, and symmetric (exactly: each term is computed the same way for p and q).
 *
 * Both inputs are normalised first, so counts or weights may be passed as they are. Float error is
 * clamped away, so the result is always in [0, 1].
 *
 * @throws RangeError if the lengths differ, an entry is not a finite number ≥ 0, or either input is
 * all zeros or adds up to more than a double can hold.
 */
export function jensenShannonDivergence(p: readonly number[], q: readonly number[]): number {
  if (p.length !== q.length) {
    throw new RangeError(`distributions must have the same length, got ${p.length} and ${q.length}`);
  }
  const normalisedP = normalised(p, 'p');
  const normalisedQ = normalised(q, 'q');
  let divergence = 0;
  for (let i = 0; i < normalisedP.length; i++) {
    const pi = normalisedP[i] as number;
    const qi = normalisedQ[i] as number;
    const sum = pi + qi;
    divergence += (relativeEntropyTerm(pi, sum) + relativeEntropyTerm(qi, sum)) / 2;
  }
  return Math.min(1, Math.max(0, divergence));
}

/**
 * The distribution that puts everything on `chosen`: 1 at its position in `options`, 0 elsewhere. It
 * stands for a single vote when comparing one agent's choice with a distribution.
 *
 * @throws RangeError if `chosen` is not among `options` or an option is listed twice.
 */
export function oneHot(options: readonly string[], chosen: string): number[] {
  assertDistinctOptions(options);
  if (!options.includes(chosen)) {
    throw new RangeError(`${JSON.stringify(chosen)} is not among the options`);
  }
  return options.map((option) => (option === chosen ? 1 : 0));
}
