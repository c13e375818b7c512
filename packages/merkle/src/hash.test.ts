import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { LEAF_INPUTS, NODE_HASHES } from '../test/rfc6962-vectors';
import { fromBase64, toBase64 } from './base64';
import { emptyRoot, equalBytes, fromHex, leafHash, nodeHash, toHex } from './hash';

describe('RFC 9162 hashing', () => {
  it('hashes the published leaf inputs to the published leaf hashes', () => {
    const level0 = NODE_HASHES[0] as string[];
    LEAF_INPUTS.forEach((input, i) => {
      expect(toHex(leafHash(fromHex(input)))).toBe(level0[i]);
    });
  });

  it('hashes children with the 0x01 prefix', () => {
    const [l0, l1] = NODE_HASHES as [string[], string[]];
    expect(toHex(nodeHash(fromHex(l0[0] as string), fromHex(l0[1] as string)))).toBe(l1[0]);
    expect(toHex(nodeHash(fromHex(l0[6] as string), fromHex(l0[7] as string)))).toBe(l1[3]);
  });

  it('uses SHA-256 of the empty string as the empty root, returning an independent copy', () => {
    expect(toHex(emptyRoot())).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
    const r = emptyRoot();
    r[0] = 0;
    expect(toHex(emptyRoot()).slice(0, 2)).toBe('e3');
  });

  it('rejects node children that are not 32 bytes', () => {
    const h = new Uint8Array(32);
    expect(() => nodeHash(h, new Uint8Array(31))).toThrow(RangeError);
    expect(() => nodeHash(new Uint8Array(33), h)).toThrow(RangeError);
  });
});

describe('hex', () => {
  it('round-trips any bytes as lowercase', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 80 }), (bytes) => {
        const hex = toHex(bytes);
        expect(hex).toMatch(/^[0-9a-f]*$/);
        expect(fromHex(hex)).toEqual(bytes);
      }),
    );
  });

  it.each(['0', 'abc', 'zz', '0x00', 'AB', ' 00', '00 ', 'g0', '0\u0660'])('rejects %j', (bad) => {
    expect(() => fromHex(bad)).toThrow(SyntaxError);
  });

  it('enforces an expected length', () => {
    expect(() => fromHex('00', 32)).toThrow(RangeError);
    expect(fromHex('00'.repeat(32), 32)).toHaveLength(32);
  });
});

describe('base64', () => {
  it('round-trips any bytes and matches the standard encoding', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 80 }), (bytes) => {
        const b64 = toBase64(bytes);
        expect(b64).toBe(btoa(String.fromCharCode(...bytes)));
        expect(fromBase64(b64)).toEqual(bytes);
      }),
    );
  });

  it.each(['A', 'AA', 'AAA', 'AA=', 'A===', 'AB==', 'AAB=', 'AA==AA==', 'AA AA', 'AA-_', '====', 'AAAA\n'])(
    'rejects non-canonical or invalid %j',
    (bad) => {
      expect(() => fromBase64(bad)).toThrow(SyntaxError);
    },
  );
});

describe('equalBytes', () => {
  it('agrees with element-wise comparison', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 40 }), fc.uint8Array({ maxLength: 40 }), (a, b) => {
        expect(equalBytes(a, b)).toBe(a.length === b.length && a.every((x, i) => x === b[i]));
        expect(equalBytes(a, a.slice())).toBe(true);
      }),
    );
  });
});
