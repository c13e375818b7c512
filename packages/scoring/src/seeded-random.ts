/**
 * A small seeded pseudo-random generator and the hash that seeds it. The bootstrap in `consensus.ts`
 * must give the same interval for the same votes on every run and every machine, so it draws from this
 * generator, seeded from the votes themselves, and never from `Math.random`.
 *
 * Neither is cryptographic: they only have to be fast, well spread and exactly reproducible.
 */

const FNV_OFFSET_BASIS = 0x811c9dc5;
const FNV_PRIME = 0x01000193;

/**
 * The 32-bit FNV-1a hash (Fowler, Noll and Vo; IETF draft-eastlake-fnv) of the UTF-8 encoding of
 * `text`, as an unsigned integer. For each byte: xor it into the hash, then multiply by the FNV prime
 * modulo 2^32.
 */
export function fnv1a32(text: string): number {
  let hash = FNV_OFFSET_BASIS;
  for (const byte of new TextEncoder().encode(text)) {
    hash ^= byte;
    hash = Math.imul(hash, FNV_PRIME);
  }
  return hash >>> 0;
}

const MULBERRY32_INCREMENT = 0x6d2b79f5;
const TWO_TO_THE_32 = 4294967296;

/**
 * Mulberry32 (Tommy Ettinger, 2017; the widely copied JavaScript form is bryc's): a generator with 32
 * bits of state that returns a function giving numbers in [0, 1), each a multiple of 2^−32. The same
 * seed always gives the same sequence.
 *
 * @param seed any number; it is reduced to 32 bits.
 */
export function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + MULBERRY32_INCREMENT) >>> 0;
    let mixed = Math.imul(state ^ (state >>> 15), state | 1);
    mixed ^= mixed + Math.imul(mixed ^ (mixed >>> 7), mixed | 61);
    return ((mixed ^ (mixed >>> 14)) >>> 0) / TWO_TO_THE_32;
  };
}

/**
 * An index drawn uniformly from 0 … `length` − 1 using `random` (a function like the one
 * {@link mulberry32} returns). The bias from scaling a 32-bit draw is below `length` / 2^32, far
 * below anything a bootstrap could notice.
 */
export function randomIndex(random: () => number, length: number): number {
  return Math.floor(random() * length);
}
