/**
 * RFC 9162 §2.1.1 hashing for the Transparency Ledger, plus the byte helpers the rest of the package
 * shares. Everything here runs unchanged in browsers: no Node-only APIs.
 */
import { sha256 } from '@noble/hashes/sha2';

/** Length in bytes of every hash in the tree (SHA-256). */
export const HASH_SIZE = 32;

const LEAF_PREFIX = 0x00;
const NODE_PREFIX = 0x01;

/** SHA-256 of `data`. */
export function sha256Digest(data: Uint8Array): Uint8Array {
  return sha256(data);
}

/** Leaf hash: SHA-256(0x00 || entry). */
export function leafHash(entry: Uint8Array): Uint8Array {
  // One buffer and one digest call is measurably faster than a streaming hasher for small entries.
  const buf = new Uint8Array(entry.length + 1);
  buf[0] = LEAF_PREFIX;
  buf.set(entry, 1);
  return sha256(buf);
}

/**
 * Interior node hash: SHA-256(0x01 || left || right).
 *
 * @throws RangeError if either child is not a 32-byte hash; a wrong-length child would silently produce
 * a hash that no conforming verifier can reproduce.
 */
export function nodeHash(left: Uint8Array, right: Uint8Array): Uint8Array {
  if (left.length !== HASH_SIZE || right.length !== HASH_SIZE) {
    throw new RangeError(`node children must be ${HASH_SIZE}-byte hashes`);
  }
  const buf = new Uint8Array(1 + 2 * HASH_SIZE);
  buf[0] = NODE_PREFIX;
  buf.set(left, 1);
  buf.set(right, 1 + HASH_SIZE);
  return sha256(buf);
}

const EMPTY_ROOT = sha256(new Uint8Array(0));

/** Root of the empty tree: SHA-256 of the empty string (RFC 9162 §2.1.1). Returns a fresh copy. */
export function emptyRoot(): Uint8Array {
  return EMPTY_ROOT.slice();
}

const HEX_DIGITS = '0123456789abcdef';
const BYTE_TO_HEX: string[] = Array.from(
  { length: 256 },
  (_, b) => HEX_DIGITS.charAt(b >> 4) + HEX_DIGITS.charAt(b & 15),
);

/** Lowercase hex encoding. */
export function toHex(bytes: Uint8Array): string {
  let out = '';
  for (const b of bytes) out += BYTE_TO_HEX[b] as string;
  return out;
}

function hexNibble(code: number): number {
  if (code >= 48 && code <= 57) return code - 48; // 0-9
  if (code >= 97 && code <= 102) return code - 87; // a-f
  return -1;
}

/**
 * Decodes lowercase hex. Uppercase, odd lengths, whitespace and prefixes such as `0x` are rejected so that
 * every value has exactly one textual form (hashes are compared and stored as text elsewhere).
 *
 * @param byteLength when given, the decoded length that is required.
 * @throws SyntaxError on malformed input, RangeError on a length mismatch.
 */
export function fromHex(hex: string, byteLength?: number): Uint8Array {
  if (hex.length % 2 !== 0) throw new SyntaxError('hex string has an odd length');
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) {
    const hi = hexNibble(hex.charCodeAt(2 * i));
    const lo = hexNibble(hex.charCodeAt(2 * i + 1));
    if (hi < 0 || lo < 0) throw new SyntaxError(`invalid lowercase hex at offset ${2 * i}`);
    out[i] = (hi << 4) | lo;
  }
  if (byteLength !== undefined && out.length !== byteLength) {
    throw new RangeError(`expected ${byteLength} bytes of hex, got ${out.length}`);
  }
  return out;
}

/**
 * Byte equality whose running time depends only on the lengths, not on where the inputs differ. Hashes
 * compared here are usually public, but this keeps the helper safe to reuse for anything secret-derived.
 */
export function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= (a[i] as number) ^ (b[i] as number);
  return diff === 0;
}
