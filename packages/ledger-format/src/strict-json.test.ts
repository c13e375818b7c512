import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { jsonProfileProblems } from './json-profile';
import { DuplicateKeyError, JsonProfileError, parseStrictJson } from './strict-json';

function duplicate(text: string): DuplicateKeyError | undefined {
  try {
    parseStrictJson(text);
    return undefined;
  } catch (err) {
    if (err instanceof DuplicateKeyError) return err;
    throw err;
  }
}

describe('parseStrictJson', () => {
  it('parses what JSON.parse parses when no key repeats and every value is kept exactly; refuses the rest', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        const text = JSON.stringify(value);
        if (jsonProfileProblems(JSON.parse(text)).length === 0) {
          expect(parseStrictJson(text)).toEqual(JSON.parse(text));
        } else {
          expect(() => parseStrictJson(text)).toThrow(JsonProfileError);
        }
      }),
      { numRuns: 500 },
    );
  });

  it('refuses numbers and strings that would change on the way in, naming where', () => {
    const refused = (text: string) => {
      try {
        parseStrictJson(text);
      } catch (err) {
        if (err instanceof JsonProfileError) return { pointer: err.pointer, reason: err.reason };
        throw err;
      }
      return undefined;
    };
    expect(refused('{"v":{"context":{"x":1e400}}}')).toMatchObject({ pointer: '/v/context/x' });
    expect(refused('{"n":12345678901234567890}')?.reason).toMatch(/kept as 12345678901234567000/);
    expect(refused('[9007199254740993]')).toMatchObject({ pointer: '/0' });
    expect(refused('{"s":"a\\u0000b"}')).toMatchObject({ pointer: '/s' });
    expect(refused('{"s":"\\ud800"}')?.reason).toMatch(/lone surrogate/);
    expect(refused('{"k\\u0000":1}')?.reason).toMatch(/its key contains U\+0000/);
    expect(refused(`{"n":1${'0'.repeat(400)}.5}`)?.reason).toMatch(/finite/);
    expect(refused('{"a":[1,{"b":-12345678901234567890}]}')).toMatchObject({ pointer: '/a/1/b' });
    expect(parseStrictJson('{"n":9007199254740991,"f":0.1,"e":2.5e300,"s":"\\ud83d\\ude00"}')).toEqual({
      n: 9007199254740991,
      f: 0.1,
      e: 2.5e300,
      s: '😀',
    });
  });

  it('finds a repeated key at any depth and says where', () => {
    expect(duplicate('{"a":1,"a":2}')).toMatchObject({ pointer: '', key: 'a' });
    expect(duplicate('{"input":{"confidence":0.9,"x":[1,{"y":1}],"confidence":0.1}}')).toMatchObject({
      pointer: '/input',
      key: 'confidence',
    });
    expect(duplicate('[0,{"ok":1},{"k":{"a/b":{"z":1,"z":2}}}]')).toMatchObject({
      pointer: '/2/k/a~1b',
      key: 'z',
    });
    expect(duplicate('{"a":1,"a":2}')?.message).toBe('duplicate key "a" in the object at /');
  });

  it('compares keys after unescaping, and is not fooled by braces or quotes inside strings', () => {
    expect(duplicate('{"a":1,"\\u0061":2}')).toMatchObject({ key: 'a' });
    expect(duplicate('{"a":"{\\"a\\":1,","b":"}"}')).toBeUndefined();
    expect(duplicate('{"a":{"a":1},"b":{"a":2}}')).toBeUndefined();
    expect(duplicate('{"x\\"y":1,"x\\"y":2}')).toMatchObject({ key: 'x"y' });
  });

  it('finds a duplicate injected into any generated object', () => {
    fc.assert(
      fc.property(
        fc.dictionary(fc.string(), fc.jsonValue(), { minKeys: 1 }),
        fc.jsonValue(),
        (object, extra) => {
          const key = Object.keys(object)[0]!;
          const text = JSON.stringify(object);
          const injected = `${text.slice(0, -1)},${JSON.stringify(key)}:${JSON.stringify(extra)}}`;
          expect(duplicate(injected)).toMatchObject({ pointer: '', key });
        },
      ),
      { numRuns: 300 },
    );
  });

  it('still rejects invalid JSON as a syntax error', () => {
    expect(() => parseStrictJson('{"a":')).toThrow(SyntaxError);
  });
});
