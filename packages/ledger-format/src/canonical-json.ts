import canonicalize from 'canonicalize';

/**
 * RFC 8785 (JSON Canonicalization Scheme): object keys sorted by UTF-16 code units, no whitespace,
 * numbers in ECMAScript's shortest round-trip form, strings with the minimal escapes. The same value
 * always gives the same bytes, whatever the key order or formatting it arrived in.
 */
export function canonicalJson(value: unknown): string {
  const text = canonicalize(value);
  if (text === undefined) throw new TypeError('a value that has no JSON form cannot be canonicalised');
  return text;
}

const encoder = new TextEncoder();

/** The canonical form as UTF-8 bytes: what the ledger stores and hashes. */
export function canonicalBytes(value: unknown): Uint8Array {
  return encoder.encode(canonicalJson(value));
}
