import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DuplicateKeyError, parseStrictJson } from './strict-json';

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
  it('parses what JSON.parse parses when no key repeats', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        const text = JSON.stringify(value);
        expect(parseStrictJson(text)).toEqual(JSON.parse(text));
      }),
      { numRuns: 500 },
    );
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
