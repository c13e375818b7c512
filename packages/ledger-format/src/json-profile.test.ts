import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { canonicalJson } from './canonical-json';
import {
  jsonPointer,
  jsonProfileProblems,
  numberLiteralProblem,
  numberProblem,
  stringProblem,
} from './json-profile';

describe('the JSON profile', () => {
  it('refuses U+0000, lone surrogates and noncharacters, in values and keys, naming where', () => {
    const value = {
      a: 'fine',
      b: ['ok', 'nul \u0000 here'],
      c: { deep: '\ud800' },
      '\udc00key': 1,
      d: 'x\uffff',
      e: 'x\ufdd0',
      f: '\ud83f\udffe', // U+1FFFE, a supplementary noncharacter
    };
    expect(jsonProfileProblems(value)).toEqual([
      { path: ['b', 1], reason: 'contains U+0000, which the ledger cannot store' },
      { path: ['c', 'deep'], reason: 'contains a lone surrogate (\\uD800): not Unicode text' },
      { path: ['\udc00key'], reason: 'its key contains a lone surrogate (\\uDC00): not Unicode text' },
      { path: ['d'], reason: 'contains the noncharacter U+FFFF' },
      { path: ['e'], reason: 'contains the noncharacter U+FDD0' },
      { path: ['f'], reason: 'contains the noncharacter U+1FFFE' },
    ]);
  });

  it('accepts surrogate pairs, and a high surrogate at the very end is lone', () => {
    expect(stringProblem('emoji 😀 and 𝄞')).toBeUndefined();
    expect(stringProblem('end \ud83d')).toMatch(/lone surrogate/);
    expect(stringProblem('\ude00 start')).toMatch(/lone surrogate/);
  });

  it('refuses non-finite numbers, and numbers written so that their canonical form would differ', () => {
    expect(numberProblem(Number.POSITIVE_INFINITY)).toMatch(/finite/);
    expect(numberProblem(Number.NaN)).toMatch(/finite/);
    for (const ok of [0, -0, 1.5, 9007199254740991, 1e-300, 0.1, 2.5e300, 6.02e23]) {
      expect(numberProblem(ok)).toBeUndefined();
    }
    // The review's three, and others that a double cannot hold as written.
    expect(numberLiteralProblem('1e400')).toMatch(/finite/);
    expect(numberLiteralProblem('12345678901234567890')).toMatch(/kept as 12345678901234567000/);
    expect(numberLiteralProblem('9007199254740993')).toMatch(/kept as 9007199254740992/);
    expect(numberLiteralProblem('-9007199254740993')).toMatch(/kept as -9007199254740992/);
    expect(numberLiteralProblem('0.10000000000000001')).toMatch(/kept as 0.1;/);
    expect(numberLiteralProblem('1e-400')).toMatch(/kept as 0/);
    expect(numberLiteralProblem('9007199254740993.0')).toMatch(/kept as 9007199254740992/);
    // Different spellings of the value the double holds are kept.
    for (const ok of [
      '9007199254740991',
      '-9007199254740991',
      '9007199254740992',
      '123456789012345680000',
      '0',
      '-0',
      '100.000',
      '1E20',
      '1e+21',
      '2.5e300',
      '0.1',
      '0.30000000000000004',
      '5e-324',
    ]) {
      expect(numberLiteralProblem(ok), ok).toBeUndefined();
    }
  });

  it('keeps every double as JSON.stringify writes it (property)', () => {
    fc.assert(
      fc.property(fc.double({ noNaN: true, noDefaultInfinity: true }), (d) => {
        expect(numberLiteralProblem(JSON.stringify(d))).toBeUndefined();
      }),
      { numRuns: 2000 },
    );
  });

  it('finds nothing in values whose canonical form gives them back exactly (property)', () => {
    // Well-formed strings without U+0000 or noncharacters, and finite doubles: exactly what JSON carries.
    const safe = fc.letrec((tie) => ({
      value: fc.oneof(
        { depthSize: 'small' },
        fc.string({ unit: 'grapheme' }).filter((s) => stringProblem(s) === undefined),
        fc.maxSafeInteger(),
        // -0 is written 0 by the canonical form (RFC 8785 §3.2.2.3): the same number, another sign bit.
        fc.double({ noNaN: true, noDefaultInfinity: true }).map((d) => (Object.is(d, -0) ? 0 : d)),
        fc.boolean(),
        fc.constant(null),
        fc.array(tie('value'), { maxLength: 4 }),
        fc.dictionary(
          fc.string({ unit: 'grapheme' }).filter((s) => !s.includes('\u0000')),
          tie('value'),
          {
            maxKeys: 4,
          },
        ),
      ),
    })).value;
    fc.assert(
      fc.property(safe, (value) => {
        expect(jsonProfileProblems(value)).toEqual([]);
        expect(JSON.parse(canonicalJson(value))).toEqual(value);
      }),
    );
  });

  it('writes paths as JSON Pointers', () => {
    expect(jsonPointer(['a/b', 0, 'c~d'])).toBe('/a~1b/0/c~0d');
    expect(jsonPointer([])).toBe('');
  });
});
