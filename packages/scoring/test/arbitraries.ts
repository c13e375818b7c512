/**
 * fast-check arbitraries shared by the property tests: polls (options and weighted votes), reliability
 * data, and reorderings of them.
 */
import fc from 'fast-check';
import type { WeightedVote } from '../src/distribution';
import { mulberry32, randomIndex } from '../src/seeded-random';

/** A vote weight: small integers (ties are common in real polls) and arbitrary non-negative doubles. */
export const weightArb = fc.oneof(
  fc.integer({ min: 0, max: 5 }),
  fc.double({ min: 0, max: 1e6, noNaN: true, noDefaultInfinity: true }),
);

/** Between 2 and 6 distinct option names. */
export const optionsArb = fc.uniqueArray(fc.string({ maxLength: 3 }), { minLength: 2, maxLength: 6 });

/** Options and up to `maxVotes` votes for them, at least one with positive weight. */
export function pollArb(maxVotes = 25) {
  return optionsArb.chain((options) =>
    fc
      .array(fc.record({ option: fc.constantFrom(...options), weight: weightArb }), {
        minLength: 1,
        maxLength: maxVotes,
      })
      .filter((votes) => votes.some((vote) => vote.weight > 0))
      .map((votes: WeightedVote[]) => ({ options, votes })),
  );
}

/** A copy of `items` in an order chosen by `seed` (Fisher–Yates). */
export function shuffled<T>(items: readonly T[], seed: number): T[] {
  const random = mulberry32(seed);
  const copy = [...items];
  for (let i = copy.length - 1; i > 0; i--) {
    const j = randomIndex(random, i + 1);
    [copy[i], copy[j]] = [copy[j] as T, copy[i] as T];
  }
  return copy;
}

/** A category name from a small set, so that units agree often enough to be interesting. */
export const categoryArb = fc.constantFrom('a', 'b', 'c', 'd');

/** Reliability data with missing values: up to 10 units of 0 to 6 values each. */
export const unitsWithMissingArb = fc.array(fc.array(categoryArb, { maxLength: 6 }), { maxLength: 10 });

/** Reliability data with every unit rated the same number of times (2 to 6), at least one unit. */
export const completeUnitsArb = fc.integer({ min: 2, max: 6 }).chain((raters) =>
  fc.array(fc.array(categoryArb, { minLength: raters, maxLength: raters }), {
    minLength: 1,
    maxLength: 10,
  }),
);

/** `units` in another order, with each unit's values in another order too. */
export function reorderedUnits(units: readonly (readonly string[])[], seed: number): string[][] {
  return shuffled(units, seed).map((values, index) => shuffled(values, seed + index + 1));
}
