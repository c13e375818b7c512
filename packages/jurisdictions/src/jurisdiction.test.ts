import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  ancestors,
  InvalidJurisdictionError,
  isJurisdiction,
  JURISDICTION_PATTERN,
  MAX_JURISDICTION_LEVELS,
  MAX_LEVEL_LENGTH,
  parseJurisdiction,
  readJurisdiction,
  within,
  withinAny,
} from './jurisdiction';

const LETTERS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ';
const DIGITS = '0123456789';

/** One level of a path; `first` levels start with a letter, the others with a letter or a digit. */
const level = (first: boolean) =>
  fc
    .tuple(
      fc.constantFrom(...(first ? LETTERS : LETTERS + DIGITS)),
      fc.string({ unit: fc.constantFrom(...`${LETTERS}${DIGITS}_-`), maxLength: MAX_LEVEL_LENGTH - 1 }),
    )
    .map(([start, rest]) => start + rest);

/** Any jurisdiction path, as its levels. */
const levels = fc
  .tuple(level(true), fc.array(level(false), { maxLength: MAX_JURISDICTION_LEVELS - 1 }))
  .map(([root, rest]) => [root, ...rest]);

const path = levels.map((l) => l.join('/'));

/** Strings near the grammar: its own characters, the separator, and what it refuses. */
const nearMiss = fc.string({
  unit: fc.constantFrom('E', 'U', 'D', 'Z', '0', '9', '_', '-', '/', '/', 'e', ' ', '.', 'É', '\n', '\u0000'),
  maxLength: 24,
});

describe('readJurisdiction', () => {
  it('reads the paths of the tree', () => {
    expect(parseJurisdiction('EU')).toEqual(['EU']);
    expect(parseJurisdiction('EU/DE')).toEqual(['EU', 'DE']);
    expect(parseJurisdiction('US/CA/SF')).toEqual(['US', 'CA', 'SF']);
    expect(parseJurisdiction('UK/2024-Q1/LON_1')).toEqual(['UK', '2024-Q1', 'LON_1']);
  });

  it('says what is wrong, and where', () => {
    const problem = (text: string) => {
      const reading = readJurisdiction(text);
      return reading.ok ? null : reading.problem;
    };
    expect(problem('')).toBe('it is empty');
    expect(problem('eu/DE')).toBe('level 1 ("eu") may hold only A–Z, 0–9, "_" and "-"');
    expect(problem('EU/de')).toBe('level 2 ("de") may hold only A–Z, 0–9, "_" and "-"');
    expect(problem('EU/DE/')).toBe('level 3 is empty (no leading, trailing or doubled "/")');
    expect(problem('/EU')).toBe('level 1 is empty (no leading, trailing or doubled "/")');
    expect(problem('EU//DE')).toBe('level 2 is empty (no leading, trailing or doubled "/")');
    expect(problem('1EU')).toBe('level 1 ("1EU") must start with a letter A–Z');
    expect(problem('EU/-DE')).toBe('level 2 ("-DE") must start with a letter A–Z or a digit');
    expect(problem(`EU/${'D'.repeat(33)}`)).toBe(
      `level 2 ("${'D'.repeat(33)}") has 33 characters; at most 32`,
    );
    expect(problem('A/B/C/D/E/F/G/H/I')).toBe('it has 9 levels; a jurisdiction has at most 8');
    expect(problem('EU DE')).toBe('level 1 ("EU DE") may hold only A–Z, 0–9, "_" and "-"');
  });

  it('throws with the reason from parseJurisdiction', () => {
    expect(() => parseJurisdiction('EU/de')).toThrow(InvalidJurisdictionError);
    expect(() => parseJurisdiction('EU/de')).toThrow(
      '"EU/de" is not a jurisdiction path such as EU or EU/DE: level 2 ("de") may hold only A–Z, 0–9, "_" and "-"',
    );
  });

  it('reads back every path of the grammar, level by level', () => {
    fc.assert(
      fc.property(levels, (l) => {
        expect(parseJurisdiction(l.join('/'))).toEqual(l);
      }),
    );
  });

  it('agrees with JURISDICTION_PATTERN on every string, valid or not', () => {
    fc.assert(
      fc.property(fc.oneof(path, nearMiss, fc.string()), (text) => {
        const reading = readJurisdiction(text);
        expect(reading.ok).toBe(JURISDICTION_PATTERN.test(text));
        expect(isJurisdiction(text)).toBe(reading.ok);
        if (!reading.ok) expect(reading.problem.length).toBeGreaterThan(0);
      }),
      { numRuns: 2000 },
    );
  });

  it('takes only strings', () => {
    for (const value of [null, undefined, 7, ['EU'], { path: 'EU' }])
      expect(isJurisdiction(value)).toBe(false);
  });
});

describe('ancestors', () => {
  it('lists the jurisdictions above a path, nearest first', () => {
    expect(ancestors('EU/DE/BY')).toEqual(['EU/DE', 'EU']);
    expect(ancestors('EU/DE')).toEqual(['EU']);
    expect(ancestors('EU')).toEqual([]);
  });

  it('refuses what is not a jurisdiction', () => {
    expect(() => ancestors('EU/')).toThrow(InvalidJurisdictionError);
  });

  it('are one per level above, each a jurisdiction containing the path and not contained by it', () => {
    fc.assert(
      fc.property(path, (p) => {
        const above = ancestors(p);
        expect(above).toHaveLength(parseJurisdiction(p).length - 1);
        for (const [i, a] of above.entries()) {
          expect(isJurisdiction(a)).toBe(true);
          expect(parseJurisdiction(a)).toHaveLength(above.length - i);
          expect(within(p, a)).toBe(true);
          expect(within(a, p)).toBe(false);
        }
        if (above.length > 0) expect(ancestors(above[0]!)).toEqual(above.slice(1));
      }),
    );
  });
});

describe('within', () => {
  it('holds at a node and below it, not beside it or above it', () => {
    expect(within('EU/DE', 'EU')).toBe(true);
    expect(within('EU/DE/BY', 'EU')).toBe(true);
    expect(within('EU', 'EU')).toBe(true);
    expect(within('EUX', 'EU')).toBe(false);
    expect(within('EUX/DE', 'EU')).toBe(false);
    expect(within('EU', 'EU/DE')).toBe(false);
    expect(within('US/CA', 'EU')).toBe(false);
  });

  it('fails closed on what is not a jurisdiction', () => {
    expect(within('EU/', 'EU')).toBe(false);
    expect(within('EU/DE', 'EU/')).toBe(false);
    expect(within('EU', '')).toBe(false);
    expect(within('', '')).toBe(false);
    expect(within('eu/de', 'eu')).toBe(false);
  });

  it('is exactly "is the path or one of its ancestors"', () => {
    const pair = fc.oneof(
      fc.tuple(path, path),
      // Below: the parent with levels added.
      fc.tuple(path, fc.array(level(false), { maxLength: 3 })).map(([p, more]) => {
        const child = [...p.split('/'), ...more].slice(0, MAX_JURISDICTION_LEVELS).join('/');
        return [child, p] as const;
      }),
      // Beside: the parent's last level with characters added (`EU` and `EUX`).
      fc.tuple(path, level(false)).map(([p, extra]) => [`${p}${extra}`.slice(0, 200), p] as const),
    );
    fc.assert(
      fc.property(pair, ([child, parent]) => {
        fc.pre(isJurisdiction(child));
        expect(within(child, parent)).toBe(child === parent || ancestors(child).includes(parent));
      }),
      { numRuns: 1000 },
    );
  });

  it('is reflexive, antisymmetric and transitive', () => {
    fc.assert(
      fc.property(levels, fc.nat(), fc.nat(), (l, i, j) => {
        const [a, b] = [i % l.length, j % l.length].sort((x, y) => x - y) as [number, number];
        const top = l.slice(0, a + 1).join('/');
        const middle = l.slice(0, b + 1).join('/');
        const bottom = l.join('/');
        expect(within(bottom, bottom)).toBe(true);
        expect(within(middle, top) && within(bottom, middle)).toBe(true);
        expect(within(bottom, top)).toBe(true);
        if (middle !== top) expect(within(top, middle)).toBe(false);
      }),
    );
  });
});

describe('withinAny', () => {
  it('holds when the path is within one of the list, and never for an empty list', () => {
    expect(withinAny('EU/DE/BY', ['US', 'EU/DE'])).toBe(true);
    expect(withinAny('EU/FR', ['US', 'EU/DE'])).toBe(false);
    expect(withinAny('EU', [])).toBe(false);
  });
});
