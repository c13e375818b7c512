/**
 * Inter-rater reliability: how much more the raters (voting agents) agree with one another than chance
 * would make them. Krippendorff's alpha tolerates missing ratings; Fleiss' kappa needs every unit rated
 * the same number of times.
 *
 * Both take reliability data as units: one list per unit (a poll, a subject) of the values (options,
 * categories) the raters gave it. Which rater gave which value does not matter to either coefficient,
 * and a rater who did not rate a unit simply contributes no value to it.
 */
import { compareCodeUnits, compareStringLists } from './canonical-order';

/**
 * Reliability data: one list per unit (a poll, a subject) holding the value each rater assigned to it.
 * Raters who did not rate a unit are absent from its list (missing values).
 */
export type ReliabilityUnits = readonly (readonly string[])[];

/** The result of {@link krippendorffAlphaNominal}. */
export interface AlphaResult {
  /** Krippendorff's alpha, at most 1; 0 is chance agreement and below 0 is systematic disagreement. */
  alpha: number | null;
  /** n: the number of values in pairable units (units with at least 2 values). */
  pairableValues: number;
  /** The number of pairable units, the ones the coefficient was computed from. */
  units: number;
  /** Why `alpha` is null; absent when it is a number. */
  reason?: string;
}

/** How often each value occurs in `values`, keyed by value. */
function countValues(values: readonly string[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const value of values) counts.set(value, (counts.get(value) ?? 0) + 1);
  return counts;
}

/**
 * The units with each unit's values sorted, and the units sorted. The coefficients are the same for
 * any order in theory; summing in this one order makes them the same to the last bit.
 */
function canonicalUnits(units: ReliabilityUnits): string[][] {
  return units.map((values) => [...values].sort(compareCodeUnits)).sort(compareStringLists);
}

/**
 * The coincidence matrix of Krippendorff (2011): o[c][k] = Σᵤ (number of ordered pairs of values c, k
 * from different raters in unit u) / (mᵤ − 1), over pairable units (mᵤ ≥ 2 values). Rows and columns
 * follow `values`.
 */
function coincidenceMatrix(pairableUnits: readonly string[][], values: readonly string[]): number[][] {
  const matrix = values.map(() => values.map(() => 0));
  for (const unit of pairableUnits) {
    const counts = countValues(unit);
    for (let c = 0; c < values.length; c++) {
      const countC = counts.get(values[c] as string) ?? 0;
      if (countC === 0) continue;
      const row = matrix[c] as number[];
      for (let k = 0; k < values.length; k++) {
        const countK = counts.get(values[k] as string) ?? 0;
        const pairs = c === k ? countC * (countC - 1) : countC * countK;
        row[k] = (row[k] as number) + pairs / (unit.length - 1);
      }
    }
  }
  return matrix;
}

/**
 * Krippendorff's alpha for nominal data, missing values allowed, computed as in Krippendorff (2011),
 * "Computing Krippendorff's Alpha-Reliability", via the coincidence matrix:
 *
 * - units with fewer than 2 values are not pairable and are dropped;
 * - o[c][k] is the coincidence matrix (see above), n[c] = Σₖ o[c][k] the number of values c in pairable
 *   units, and n = Σ n[c] the number of pairable values;
 * - with the nominal metric (δ = 0 for equal values, 1 otherwise),
 *   α = 1 − Dₒ/Dₑ = 1 − (n − 1)·Σ_{c≠k} o[c][k] / Σ_{c≠k} n[c]·n[k].
 *
 * `alpha` is null, with a reason, when no unit has 2 values (n < 2) or when a single value was used
 * throughout (expected disagreement 0, so alpha is 0/0). The result does not depend on the order of
 * units or of values within a unit.
 */
export function krippendorffAlphaNominal(units: ReliabilityUnits): AlphaResult {
  const pairableUnits = canonicalUnits(units).filter((values) => values.length >= 2);
  const valueCounts = countValues(pairableUnits.flat());
  const pairableValues = pairableUnits.reduce((sum, values) => sum + values.length, 0);
  if (pairableValues < 2) {
    return {
      alpha: null,
      pairableValues,
      units: pairableUnits.length,
      reason: 'no poll has 2 or more votes, so no two votes can be compared',
    };
  }
  const values = [...valueCounts.keys()].sort(compareCodeUnits);
  // n[c] is Σₖ o[c][k]; counting the values directly gives the same integer without rounding.
  const marginals = values.map((value) => valueCounts.get(value) as number);
  const matrix = coincidenceMatrix(pairableUnits, values);

  let observedDisagreement = 0;
  let expectedDisagreement = 0;
  for (let c = 0; c < values.length; c++) {
    for (let k = 0; k < values.length; k++) {
      if (c === k) continue;
      observedDisagreement += (matrix[c] as number[])[k] as number;
      expectedDisagreement += (marginals[c] as number) * (marginals[k] as number);
    }
  }
  if (expectedDisagreement === 0) {
    return {
      alpha: null,
      pairableValues,
      units: pairableUnits.length,
      reason: `every vote is for ${JSON.stringify(values[0])}, so expected disagreement is 0 and alpha is undefined`,
    };
  }
  const alpha = 1 - ((pairableValues - 1) * observedDisagreement) / expectedDisagreement;
  return { alpha, pairableValues, units: pairableUnits.length };
}

/** The result of {@link fleissKappa}. */
export interface KappaResult {
  /** Fleiss' kappa, at most 1; 0 is chance agreement and below 0 is less than chance. */
  kappa: number | null;
  /** Why `kappa` is null; absent when it is a number. */
  reason?: string;
  /** N: the number of units (subjects). */
  subjects: number;
  /** n: the number of ratings every unit has, or null when units differ in it (or there are none). */
  raters: number | null;
}

/**
 * Fleiss' kappa (Fleiss 1971, "Measuring nominal scale agreement among many raters"). With N units
 * each rated n times and nᵢⱼ the number of ratings of unit i in category j:
 *
 * - Pᵢ = (Σⱼ nᵢⱼ² − n) / (n(n − 1)), the agreement within unit i, and P̄ = (1/N)·Σᵢ Pᵢ;
 * - pⱼ = Σᵢ nᵢⱼ / (N·n), the share of all ratings in category j, and P̄ₑ = Σⱼ pⱼ²;
 * - κ = (P̄ − P̄ₑ) / (1 − P̄ₑ).
 *
 * The sums are taken over the integer counts first (P̄ = (Σᵢⱼ nᵢⱼ² − N·n) / (N·n(n − 1))), which is
 * the same formula without rounding on the way, so the result does not depend on the order of units,
 * of values within a unit, or of `categories`. Categories no unit used change nothing; a category
 * listed twice counts once.
 *
 * `kappa` is null, with a reason, when there are no units, a value is not among `categories`, units
 * have different numbers of ratings, units have fewer than 2 ratings, or every rating is in one
 * category (P̄ₑ = 1, so kappa is 0/0).
 */
export function fleissKappa(units: ReliabilityUnits, categories: readonly string[]): KappaResult {
  const subjects = units.length;
  const ratingCounts = [...new Set(units.map((values) => values.length))].sort((a, b) => a - b);
  const raters = ratingCounts.length === 1 ? (ratingCounts[0] as number) : null;
  const fail = (reason: string): KappaResult => ({ kappa: null, reason, subjects, raters });

  if (subjects === 0) return fail('there are no polls');
  const knownCategories = new Set(categories);
  const unknownValues = [...new Set(units.flat())].filter((value) => !knownCategories.has(value));
  if (unknownValues.length > 0) {
    const first = unknownValues.sort(compareCodeUnits)[0];
    return fail(`value ${JSON.stringify(first)} is not among the categories`);
  }
  if (raters === null) return fail(`polls have different numbers of votes (${ratingCounts.join(', ')})`);
  if (raters < 2) return fail(`every poll needs at least 2 votes, these have ${raters}`);

  const ratings = subjects * raters;
  let sumOfSquaredCounts = 0;
  const countPerCategory = new Map<string, number>();
  for (const values of units) {
    for (const [category, count] of countValues(values)) {
      sumOfSquaredCounts += count * count;
      countPerCategory.set(category, (countPerCategory.get(category) ?? 0) + count);
    }
  }
  let sumOfSquaredCategoryTotals = 0;
  for (const total of countPerCategory.values()) sumOfSquaredCategoryTotals += total * total;

  if (sumOfSquaredCategoryTotals === ratings * ratings) {
    return fail('every vote is for the same category, so chance agreement is 1 and kappa is undefined');
  }
  const meanAgreement = (sumOfSquaredCounts - ratings) / (ratings * (raters - 1));
  const chanceAgreement = sumOfSquaredCategoryTotals / (ratings * ratings);
  const kappa = (meanAgreement - chanceAgreement) / (1 - chanceAgreement);
  return { kappa, subjects, raters };
}
