import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fnv1a32, mulberry32, randomIndex } from './seeded-random';

describe('fnv1a32', () => {
  it('matches the published FNV-1a 32-bit test vectors', () => {
    expect(fnv1a32('')).toBe(0x811c9dc5);
    expect(fnv1a32('a')).toBe(0xe40c292c);
    expect(fnv1a32('foobar')).toBe(0xbf9cf968);
  });

  it('hashes the UTF-8 bytes of the text', () => {
    // 'é' is the two bytes c3 a9; hashing them one by one by hand gives the same value.
    let byHand = 0x811c9dc5;
    for (const byte of [0xc3, 0xa9]) byHand = Math.imul(byHand ^ byte, 0x01000193);
    expect(fnv1a32('é')).toBe(byHand >>> 0);
  });
});

/** bryc's widely copied Mulberry32 (with the 32-bit state fix), kept verbatim as the reference. */
function referenceMulberry32(a: number): () => number {
  return () => {
    a |= 0;
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('mulberry32', () => {
  it('gives the same sequence as the reference implementation (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 0xffffffff }), (seed) => {
        const ours = mulberry32(seed);
        const reference = referenceMulberry32(seed);
        for (let i = 0; i < 1000; i++) expect(ours()).toBe(reference());
      }),
    );
  });

  it('gives numbers in [0, 1)', () => {
    const random = mulberry32(42);
    for (let i = 0; i < 10_000; i++) {
      const value = random();
      expect(value).toBeGreaterThanOrEqual(0);
      expect(value).toBeLessThan(1);
    }
  });
});

describe('randomIndex', () => {
  it('stays within 0 … length − 1 and reaches both ends', () => {
    const random = mulberry32(7);
    const seen = new Set<number>();
    for (let i = 0; i < 1000; i++) {
      const index = randomIndex(random, 5);
      expect(Number.isInteger(index) && index >= 0 && index < 5).toBe(true);
      seen.add(index);
    }
    expect([...seen].sort()).toEqual([0, 1, 2, 3, 4]);
  });
});
