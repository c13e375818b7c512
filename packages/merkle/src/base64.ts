/**
 * Standard base64 (RFC 4648 §4, with padding), as used by C2SP signed notes and checkpoints. Implemented
 * here rather than with `Buffer` (Node-only) or `atob` (lenient about whitespace and padding bits).
 */

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const DECODE = new Int16Array(128).fill(-1);
for (let i = 0; i < ALPHABET.length; i++) DECODE[ALPHABET.charCodeAt(i)] = i;

function sextet(s: string, i: number): number {
  const code = s.charCodeAt(i);
  const v = code < 128 ? (DECODE[code] as number) : -1;
  if (v < 0) throw new SyntaxError(`invalid base64 character at offset ${i}`);
  return v;
}

/** Standard base64 with `=` padding. */
export function toBase64(bytes: Uint8Array): string {
  let out = '';
  let i = 0;
  for (; i + 2 < bytes.length; i += 3) {
    const n = ((bytes[i] as number) << 16) | ((bytes[i + 1] as number) << 8) | (bytes[i + 2] as number);
    out +=
      ALPHABET.charAt(n >> 18) +
      ALPHABET.charAt((n >> 12) & 63) +
      ALPHABET.charAt((n >> 6) & 63) +
      ALPHABET.charAt(n & 63);
  }
  const rest = bytes.length - i;
  if (rest === 1) {
    const n = (bytes[i] as number) << 16;
    out += `${ALPHABET.charAt(n >> 18)}${ALPHABET.charAt((n >> 12) & 63)}==`;
  } else if (rest === 2) {
    const n = ((bytes[i] as number) << 16) | ((bytes[i + 1] as number) << 8);
    out += `${ALPHABET.charAt(n >> 18)}${ALPHABET.charAt((n >> 12) & 63)}${ALPHABET.charAt((n >> 6) & 63)}=`;
  }
  return out;
}

/**
 * Decodes canonical standard base64: padding is required, whitespace is rejected, and the unused bits
 * before the padding must be zero. Accepting only the canonical form means one value has one encoding,
 * so signed text cannot be re-encoded into a different but "equivalent" string.
 *
 * @throws SyntaxError on anything else.
 */
export function fromBase64(s: string): Uint8Array {
  if (s.length % 4 !== 0) throw new SyntaxError('base64 length is not a multiple of 4');
  let pad = 0;
  if (s.endsWith('==')) pad = 2;
  else if (s.endsWith('=')) pad = 1;
  const out = new Uint8Array((s.length / 4) * 3 - pad);
  const full = pad === 0 ? s.length : s.length - 4;
  let o = 0;
  for (let i = 0; i < full; i += 4) {
    const n = (sextet(s, i) << 18) | (sextet(s, i + 1) << 12) | (sextet(s, i + 2) << 6) | sextet(s, i + 3);
    out[o++] = n >> 16;
    out[o++] = (n >> 8) & 255;
    out[o++] = n & 255;
  }
  if (pad === 2) {
    const a = sextet(s, full);
    const b = sextet(s, full + 1);
    if ((b & 15) !== 0) throw new SyntaxError('non-canonical base64: padding bits are not zero');
    out[o] = (a << 2) | (b >> 4);
  } else if (pad === 1) {
    const a = sextet(s, full);
    const b = sextet(s, full + 1);
    const c = sextet(s, full + 2);
    if ((c & 3) !== 0) throw new SyntaxError('non-canonical base64: padding bits are not zero');
    out[o++] = (a << 2) | (b >> 4);
    out[o] = ((b & 15) << 4) | (c >> 2);
  }
  return out;
}

/** Base64url (RFC 4648 §5) without padding: standard base64 with `-` and `_`, the padding dropped. */
export function toBase64Url(bytes: Uint8Array): string {
  return toBase64(bytes).replaceAll('+', '-').replaceAll('/', '_').replace(/=+$/, '');
}

/** Decodes base64url, padded or not, with the same strictness as `fromBase64`. */
export function fromBase64Url(s: string): Uint8Array {
  const standard = /[+/]/.exec(s);
  if (standard) throw new SyntaxError(`invalid base64url character at offset ${standard.index}`);
  const b64 = s.replaceAll('-', '+').replaceAll('_', '/');
  return fromBase64(b64.padEnd(Math.ceil(b64.length / 4) * 4, '='));
}
