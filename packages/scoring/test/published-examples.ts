/**
 * Reliability data published with the coefficients' standard worked examples, as the units the
 * functions in `src/agreement.ts` take.
 */

/**
 * Fleiss (1971) worked example as tabulated in Wikipedia's "Fleiss' kappa" article: 10 subjects, each
 * rated by 14 raters into 5 categories. FLEISS_COUNTS[i][j] is how many raters put subject i in
 * category j. Published: P̄ = 0.378, P̄ₑ = 0.213, κ = 0.210.
 */
export const FLEISS_COUNTS = [
  [0, 0, 0, 0, 14],
  [0, 2, 6, 4, 2],
  [0, 0, 3, 5, 6],
  [0, 3, 9, 2, 0],
  [2, 2, 8, 1, 1],
  [7, 7, 0, 0, 0],
  [3, 2, 6, 3, 0],
  [2, 5, 3, 2, 2],
  [6, 5, 2, 1, 0],
  [0, 2, 2, 3, 7],
];

/** The categories of {@link FLEISS_COUNTS}, in column order. */
export const FLEISS_CATEGORIES = ['1', '2', '3', '4', '5'];

/** {@link FLEISS_COUNTS} as units: each subject's list of the categories its raters chose. */
export const FLEISS_UNITS: string[][] = FLEISS_COUNTS.map((counts) =>
  counts.flatMap((count, column) => Array.from({ length: count }, () => FLEISS_CATEGORIES[column] as string)),
);

/**
 * Krippendorff (2011), "Computing Krippendorff's Alpha-Reliability", section C: four observers A–D,
 * twelve units, values 1–5, '.' for a missing value. Published: n = 40 pairable values, nominal
 * α = 0.743.
 */
export const KRIPPENDORFF_OBSERVERS = [
  '1 2 3 3 2 1 4 1 2 . . .',
  '1 2 3 3 2 2 4 1 2 5 . 3',
  '. 3 3 3 2 3 4 2 2 5 1 .',
  '1 2 3 3 2 4 4 1 2 5 1 .',
].map((row) => row.split(' '));

/** {@link KRIPPENDORFF_OBSERVERS} as units: for each of the twelve units, the values observed. */
export const KRIPPENDORFF_UNITS: string[][] = Array.from({ length: 12 }, (_, unit) =>
  KRIPPENDORFF_OBSERVERS.map((row) => row[unit] as string).filter((value) => value !== '.'),
);
