import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fromBase64, fromBase64Url, toBase64, toBase64Url } from './base64';

describe('base64', () => {
  it('round-trips any bytes, standard and url-safe, and agrees with Node', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => {
        expect(fromBase64(toBase64(bytes))).toEqual(bytes);
        expect(fromBase64Url(toBase64Url(bytes))).toEqual(bytes);
        expect(toBase64Url(bytes)).toBe(Buffer.from(bytes).toString('base64url'));
      }),
    );
  });

  it('reads base64url with or without padding, and refuses what is not canonical', () => {
    expect(fromBase64Url('-_8')).toEqual(Uint8Array.from([0xfb, 0xff]));
    expect(fromBase64Url('-_8=')).toEqual(Uint8Array.from([0xfb, 0xff]));
    expect(() => fromBase64Url('-_9')).toThrow(/padding bits/);
    expect(() => fromBase64Url('-_+A')).toThrow(/base64url character at offset 2/);
  });
});
