import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  categoryArb,
  completeUnitsArb,
  reorderedUnits,
  shuffled,
  unitsWithMissingArb,
} from '../test/arbitraries';
import {
  FLEISS_CATEGORIES,
  FLEISS_COUNTS,
  FLEISS_UNITS,
  KRIPPENDORFF_UNITS,
} from '../test/published-examples';
import type { ReliabilityUnits } from './agreement';
import { fleissKappa, krippendorffAlphaNominal } from './agreement';

const CATEGORIES = ['a', 'b', 'c', 'd'];

/**
 * Krippendorff's nominal alpha by the paper's other form, from the diagonal of the coincidence matrix:
 * α = ((n − 1)·Σc o_cc − Σc nc(nc − 1)) / (n(n − 1) − Σc nc(nc − 1)). A cross-check on the
 * off-diagonal form the package uses.
 */
function alphaFromAgreements(units: ReliabilityUnits): number {
  const pairable = units.filter((values) => values.length >= 2);
  const marginals = new Map<string, number>();
  let agreements = 0;
  let n = 0;
  for (const values of pairable) {
    n += values.length;
    const counts = new Map<string, number>();
    for (const value of values) counts.set(value, (counts.get(value) ?? 0) + 1);
    for (const [value, count] of counts) {
      agreements += (count * (count - 1)) / (values.length - 1);
      marginals.set(value, (marginals.get(value) ?? 0) + count);
    }
  }
  let chancePairs = 0;
  for (const count of marginals.values()) chancePairs += count * (count - 1);
  return ((n - 1) * agreements - chancePairs) / (n * (n - 1) - chancePairs);
}

/** Fleiss' kappa straight from the 1971 formulas: Pᵢ per subject, their mean, and pⱼ per category. */
function kappaFromSubjectAgreement(units: ReliabilityUnits, categories: readonly string[]): number {
  const raters = (units[0] as readonly string[]).length;
  const agreementPerSubject = units.map((values) => {
    const squares = categories.reduce((sum, c) => sum + values.filter((v) => v === c).length ** 2, 0);
    return (squares - raters) / (raters * (raters - 1));
  });
  const meanAgreement = agreementPerSubject.reduce((a, b) => a + b, 0) / units.length;
  const chanceAgreement = categories.reduce((sum, c) => {
    const share = units.flat().filter((v) => v === c).length / (units.length * raters);
    return sum + share * share;
  }, 0);
  return (meanAgreement - chanceAgreement) / (1 - chanceAgreement);
}

describe('krippendorffAlphaNominal', () => {
  it("reproduces Krippendorff's (2011) example with missing values: n = 40, α = 0.743", () => {
    const result = krippendorffAlphaNominal(KRIPPENDORFF_UNITS);
    expect(result.pairableValues).toBe(40);
    expect(result.units).toBe(11);
    expect(result.alpha).toBeCloseTo(0.743, 3);
    expect(result.reason).toBeUndefined();
  });

  it('is 1 for perfect agreement and below 0 for systematic disagreement', () => {
    expect(krippendorffAlphaNominal([['a', 'a'], ['b', 'b', 'b'], ['a']]).alpha).toBe(1);
    expect(
      krippendorffAlphaNominal([
        ['a', 'b'],
        ['a', 'b'],
      ]).alpha,
    ).toBeLessThan(0);
  });

  it('drops units with fewer than 2 values', () => {
    const withSingles = krippendorffAlphaNominal([['a', 'b'], ['a', 'a'], ['c'], []]);
    expect(withSingles).toEqual(
      krippendorffAlphaNominal([
        ['a', 'b'],
        ['a', 'a'],
      ]),
    );
    expect(withSingles.units).toBe(2);
    expect(withSingles.pairableValues).toBe(4);
  });

  it('is null with a reason when nothing is pairable or a single value was used', () => {
    expect(krippendorffAlphaNominal([])).toMatchObject({ alpha: null, pairableValues: 0, units: 0 });
    expect(krippendorffAlphaNominal([['a'], ['b']]).reason).toMatch(/no poll has 2 or more votes/);
    const oneValue = krippendorffAlphaNominal([['a', 'a'], ['a', 'a', 'a'], ['b']]);
    expect(oneValue).toMatchObject({ alpha: null, pairableValues: 5, units: 2 });
    expect(oneValue.reason).toMatch(/expected disagreement is 0/);
  });

  it('agrees with the diagonal form of the formula (property)', () => {
    fc.assert(
      fc.property(unitsWithMissingArb, (units) => {
        const result = krippendorffAlphaNominal(units);
        if (result.alpha === null) return;
        expect(result.alpha).toBeCloseTo(alphaFromAgreements(units), 12);
        expect(result.alpha).toBeLessThanOrEqual(1 + 1e-12);
      }),
    );
  });

  it('is the same for any order of units and of values within a unit (property)', () => {
    fc.assert(
      fc.property(unitsWithMissingArb, fc.integer(), (units, seed) => {
        expect(krippendorffAlphaNominal(reorderedUnits(units, seed))).toEqual(
          krippendorffAlphaNominal(units),
        );
      }),
    );
  });
});

describe('fleissKappa', () => {
  it("reproduces Fleiss' (1971) worked example: 10 subjects, 14 raters, κ = 0.210", () => {
    const result = fleissKappa(FLEISS_UNITS, FLEISS_CATEGORIES);
    expect(FLEISS_UNITS.every((values) => values.length === 14)).toBe(true);
    expect(result).toMatchObject({ subjects: 10, raters: 14 });
    expect(result.kappa).toBeCloseTo(0.21, 3);
    expect(result.kappa).toBeCloseTo(kappaFromSubjectAgreement(FLEISS_UNITS, FLEISS_CATEGORIES), 12);
    expect(FLEISS_COUNTS.flat().reduce((a, b) => a + b, 0)).toBe(140);
  });

  it('is 1 for perfect agreement', () => {
    expect(
      fleissKappa(
        [
          ['a', 'a'],
          ['b', 'b'],
        ],
        CATEGORIES,
      ).kappa,
    ).toBe(1);
  });

  it('is null with a precise reason for data it does not apply to', () => {
    const differentCounts = fleissKappa(
      [
        ['a', 'a', 'b'],
        ['a', 'b', 'b', 'a', 'a'],
      ],
      CATEGORIES,
    );
    expect(differentCounts).toEqual({
      kappa: null,
      reason: 'polls have different numbers of votes (3, 5)',
      subjects: 2,
      raters: null,
    });
    expect(
      fleissKappa(
        [
          ['a', 'x'],
          ['b', 'b'],
        ],
        CATEGORIES,
      ),
    ).toEqual({
      kappa: null,
      reason: 'value "x" is not among the categories',
      subjects: 2,
      raters: 2,
    });
    expect(fleissKappa([['a'], ['b']], CATEGORIES).reason).toBe(
      'every poll needs at least 2 votes, these have 1',
    );
    expect(fleissKappa([], CATEGORIES)).toEqual({
      kappa: null,
      reason: 'there are no polls',
      subjects: 0,
      raters: null,
    });
    const oneCategory = fleissKappa(
      [
        ['c', 'c'],
        ['c', 'c'],
      ],
      CATEGORIES,
    );
    expect(oneCategory).toMatchObject({ kappa: null, subjects: 2, raters: 2 });
    expect(oneCategory.reason).toMatch(/chance agreement is 1/);
  });

  it('is unaffected by categories nobody used or listed twice', () => {
    const units = [
      ['a', 'b', 'a'],
      ['b', 'b', 'b'],
      ['a', 'a', 'b'],
    ];
    const kappa = fleissKappa(units, ['a', 'b']).kappa;
    expect(fleissKappa(units, ['a', 'b', 'z', 'a']).kappa).toBe(kappa);
  });

  it('agrees with the per-subject form of the formulas (property)', () => {
    fc.assert(
      fc.property(completeUnitsArb, (units) => {
        const result = fleissKappa(units, CATEGORIES);
        if (result.kappa === null) return;
        expect(result.kappa).toBeCloseTo(kappaFromSubjectAgreement(units, CATEGORIES), 12);
        expect(result.kappa).toBeLessThanOrEqual(1 + 1e-12);
      }),
    );
  });

  it('is the same for any order of categories, units and values within a unit (property)', () => {
    fc.assert(
      fc.property(
        fc.oneof(completeUnitsArb, fc.array(fc.array(categoryArb, { maxLength: 4 }), { maxLength: 6 })),
        fc.integer(),
        (units, seed) => {
          const result = fleissKappa(units, CATEGORIES);
          expect(fleissKappa(reorderedUnits(units, seed), shuffled(CATEGORIES, seed))).toEqual(result);
        },
      ),
    );
  });
});
