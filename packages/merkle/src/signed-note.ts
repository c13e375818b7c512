/**
 * C2SP signed notes (c2sp.org/signed-note) with Ed25519 signatures: signing, opening (parse + verify),
 * and the `<name>+<hex key id>+<base64 key>` key encodings shared with golang.org/x/mod/sumdb/note.
 *
 * Signing takes an abstract {@link NoteSigner}, so the server can keep its key in node:crypto (or a KMS)
 * while browsers and tests use {@link ed25519Signer}.
 */
import { ed25519 } from '@noble/curves/ed25519';
import { fromBase64, toBase64 } from './base64';
import { sha256Digest } from './hash';

/** Signature type identifier byte for Ed25519 (signed-note §Signature types). */
export const ED25519_SIGNATURE_TYPE = 0x01;

/**
 * More signatures than this make a note malformed. The spec requires accepting at least 16; 100 matches
 * the Go implementation and bounds the verification work a hostile note can cause.
 */
export const MAX_NOTE_SIGNATURES = 100;

/** Produces signatures over note text for one key. */
export interface NoteSigner {
  /** Key name: non-empty, no Unicode spaces, no `+`. */
  readonly name: string;
  /** uint32 key ID, usually {@link ed25519KeyId}. */
  readonly keyId: number;
  /** Signs the UTF-8 note text (including its final newline). */
  sign(message: Uint8Array): Uint8Array;
}

/** Checks signatures made by one key. */
export interface NoteVerifier {
  readonly name: string;
  readonly keyId: number;
  /** Whether `signature` (without the 4-byte key ID) is valid for `message`. Must not throw for garbage. */
  verify(message: Uint8Array, signature: Uint8Array): boolean;
}

/** A signature line from a note. */
export interface NoteSignature {
  readonly name: string;
  readonly keyId: number;
  /** The base64 field exactly as written: key ID followed by the signature bytes. */
  readonly base64: string;
}

/** A signature that a configured verifier accepted. */
export interface VerifiedSignature extends NoteSignature {
  readonly verifier: NoteVerifier;
}

/** Result of {@link openNote}. */
export interface OpenedNote {
  /** The signed text, ending in a newline. */
  readonly text: string;
  /** Signatures from configured keys, all valid; never empty. One per key, in note order. */
  readonly verified: readonly VerifiedSignature[];
  /** Signatures from keys that are not configured (e.g. witnesses, retired keys); ignored per the spec. */
  readonly unverified: readonly NoteSignature[];
}

/** Why a note or key was rejected. */
export type NoteErrorCode =
  /** The note violates the signed-note syntax. */
  | 'malformed-note'
  /** No signature from a configured key. */
  | 'unverified-note'
  /** A signature from a configured key does not verify; the whole note is rejected. */
  | 'invalid-signature'
  /** Two configured verifiers share the name and key ID of a signature. */
  | 'ambiguous-key'
  /** A signer has an invalid name or key ID, or produced no signature. */
  | 'invalid-signer'
  /** A verifier or signer key string is malformed or its key ID does not match. */
  | 'malformed-key';

export class NoteError extends Error {
  readonly code: NoteErrorCode;

  constructor(code: NoteErrorCode, message: string) {
    super(message);
    this.name = 'NoteError';
    this.code = code;
  }
}

const SIG_PREFIX = '\u2014 '; // em dash, space
const utf8Encoder = new TextEncoder();
// ignoreBOM keeps a leading U+FEFF as text: stripping it would change the signed bytes.
const utf8Decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
// biome-ignore lint/suspicious/noControlCharactersInRegex: the spec forbids exactly these characters.
const FORBIDDEN_CONTROL = /[\u0000-\u0009\u000B-\u001F]/;
// Same set as Go's unicode.IsSpace, which the reference implementation uses.
const UNICODE_SPACE = /\p{White_Space}/u;

/** Key names must be non-empty and contain no Unicode spaces and no `+` (signed-note §Format). */
export function isValidKeyName(name: string): boolean {
  return (
    typeof name === 'string' &&
    name.length > 0 &&
    !name.includes('+') &&
    !UNICODE_SPACE.test(name) &&
    !LONE_SURROGATE.test(name) &&
    !FORBIDDEN_CONTROL.test(name)
  );
}

function isUint32(x: number): boolean {
  return Number.isInteger(x) && x >= 0 && x <= 0xffffffff;
}

function keyIdHex(keyId: number): string {
  return keyId.toString(16).padStart(8, '0');
}

function checkNoteText(text: string, what: string): void {
  if (LONE_SURROGATE.test(text)) throw new NoteError('malformed-note', `${what} is not valid Unicode`);
  if (FORBIDDEN_CONTROL.test(text)) {
    throw new NoteError('malformed-note', `${what} contains a control character other than newline`);
  }
}

/**
 * Key ID of an Ed25519 key: the first 4 bytes, big-endian, of SHA-256(name || 0x0A || 0x01 || public key).
 */
export function ed25519KeyId(name: string, publicKey: Uint8Array): number {
  if (publicKey.length !== 32) throw new RangeError('an Ed25519 public key is 32 bytes');
  return keyIdOf(name, Uint8Array.of(ED25519_SIGNATURE_TYPE, ...publicKey));
}

function keyIdOf(name: string, typedKey: Uint8Array): number {
  const nameBytes = utf8Encoder.encode(name);
  const buf = new Uint8Array(nameBytes.length + 1 + typedKey.length);
  buf.set(nameBytes, 0);
  buf[nameBytes.length] = 0x0a;
  buf.set(typedKey, nameBytes.length + 1);
  const h = sha256Digest(buf);
  return (
    (((h[0] as number) << 24) | ((h[1] as number) << 16) | ((h[2] as number) << 8) | (h[3] as number)) >>> 0
  );
}

/** A parsed verifier key: `<name>+<hex key id>+<base64(0x01 || public key)>`. */
export interface VerifierKey {
  readonly name: string;
  readonly keyId: number;
  /** 32-byte Ed25519 public key. */
  readonly publicKey: Uint8Array;
}

/** Encodes a verifier key string for an Ed25519 public key. */
export function formatVerifierKey(name: string, publicKey: Uint8Array): string {
  if (!isValidKeyName(name)) throw new NoteError('malformed-key', `invalid key name ${JSON.stringify(name)}`);
  const keyId = ed25519KeyId(name, publicKey);
  return `${name}+${keyIdHex(keyId)}+${toBase64(Uint8Array.of(ED25519_SIGNATURE_TYPE, ...publicKey))}`;
}

function splitKey(s: string, parts: number): string[] | undefined {
  // The last field is base64, which may itself contain '+': split on the first separators only.
  const out: string[] = [];
  let rest = s;
  for (let i = 0; i < parts - 1; i++) {
    const at = rest.indexOf('+');
    if (at < 0) return undefined;
    out.push(rest.slice(0, at));
    rest = rest.slice(at + 1);
  }
  out.push(rest);
  return out;
}

function decodeTypedKey(
  name: string,
  hex: string,
  b64: string,
  what: string,
): { keyId: number; key: Uint8Array } {
  if (!isValidKeyName(name)) throw new NoteError('malformed-key', `${what}: invalid key name`);
  if (!/^[0-9a-f]{8}$/.test(hex))
    throw new NoteError('malformed-key', `${what}: key ID must be 8 lowercase hex digits`);
  let typed: Uint8Array;
  try {
    typed = fromBase64(b64);
  } catch {
    throw new NoteError('malformed-key', `${what}: key is not canonical base64`);
  }
  if (typed[0] !== ED25519_SIGNATURE_TYPE) {
    throw new NoteError('malformed-key', `${what}: unsupported signature type (only Ed25519 is supported)`);
  }
  if (typed.length !== 33) throw new NoteError('malformed-key', `${what}: an Ed25519 key is 32 bytes`);
  return { keyId: Number.parseInt(hex, 16), key: typed.subarray(1) };
}

/**
 * Parses a verifier key string and checks that its key ID matches the name and key.
 *
 * @throws NoteError with code `malformed-key`.
 */
export function parseVerifierKey(vkey: string): VerifierKey {
  const fields = splitKey(vkey, 3);
  if (fields === undefined)
    throw new NoteError('malformed-key', 'verifier key must be <name>+<key id>+<key>');
  const [name, hex, b64] = fields as [string, string, string];
  const { keyId, key } = decodeTypedKey(name, hex, b64, 'verifier key');
  if (ed25519KeyId(name, key) !== keyId) {
    throw new NoteError('malformed-key', 'verifier key: key ID does not match the name and key');
  }
  return { name, keyId, publicKey: key.slice() };
}

/** A parsed signer key: `PRIVATE+KEY+<name>+<hex key id>+<base64(0x01 || seed)>`. */
export interface SignerKey {
  readonly name: string;
  readonly keyId: number;
  /** 32-byte Ed25519 private key seed (RFC 8032). */
  readonly seed: Uint8Array;
}

/** Encodes a signer (private) key string from an Ed25519 seed. Keep the result secret. */
export function formatSignerKey(name: string, seed: Uint8Array): string {
  if (!isValidKeyName(name)) throw new NoteError('malformed-key', `invalid key name ${JSON.stringify(name)}`);
  if (seed.length !== 32) throw new RangeError('an Ed25519 seed is 32 bytes');
  const keyId = ed25519KeyId(name, ed25519.getPublicKey(seed));
  return `PRIVATE+KEY+${name}+${keyIdHex(keyId)}+${toBase64(Uint8Array.of(ED25519_SIGNATURE_TYPE, ...seed))}`;
}

/**
 * Parses a signer key string, deriving the public key to check the key ID.
 *
 * @throws NoteError with code `malformed-key`.
 */
export function parseSignerKey(skey: string): SignerKey {
  const fields = splitKey(skey, 5);
  if (fields === undefined || fields[0] !== 'PRIVATE' || fields[1] !== 'KEY') {
    throw new NoteError('malformed-key', 'signer key must be PRIVATE+KEY+<name>+<key id>+<key>');
  }
  const [, , name, hex, b64] = fields as [string, string, string, string, string];
  const { keyId, key } = decodeTypedKey(name, hex, b64, 'signer key');
  if (ed25519KeyId(name, ed25519.getPublicKey(key)) !== keyId) {
    throw new NoteError('malformed-key', 'signer key: key ID does not match the name and key');
  }
  return { name, keyId, seed: key.slice() };
}

/** A verifier for an Ed25519 public key (RFC 8032 verification, rejecting non-canonical encodings). */
export function ed25519Verifier(name: string, publicKey: Uint8Array): NoteVerifier {
  if (!isValidKeyName(name)) throw new NoteError('malformed-key', `invalid key name ${JSON.stringify(name)}`);
  const keyId = ed25519KeyId(name, publicKey);
  const pk = publicKey.slice();
  return {
    name,
    keyId,
    verify(message, signature) {
      if (signature.length !== 64) return false;
      try {
        // zip215: false selects strict RFC 8032 / FIPS 186-5 rules, which is what node:crypto (OpenSSL)
        // and Go accept; the permissive ZIP-215 rules would let this verifier accept signatures they reject.
        return ed25519.verify(signature, message, pk, { zip215: false });
      } catch {
        return false;
      }
    },
  };
}

/** A verifier from a verifier key string (see {@link parseVerifierKey}). */
export function verifierFromKey(vkey: string): NoteVerifier {
  const k = parseVerifierKey(vkey);
  return ed25519Verifier(k.name, k.publicKey);
}

/** An in-process Ed25519 signer from a 32-byte seed. */
export function ed25519Signer(name: string, seed: Uint8Array): NoteSigner {
  if (!isValidKeyName(name)) throw new NoteError('malformed-key', `invalid key name ${JSON.stringify(name)}`);
  if (seed.length !== 32) throw new RangeError('an Ed25519 seed is 32 bytes');
  const sk = seed.slice();
  return {
    name,
    keyId: ed25519KeyId(name, ed25519.getPublicKey(sk)),
    sign: (message) => ed25519.sign(message, sk),
  };
}

/**
 * Signs `text` with every signer and returns the complete note: the text, a blank line, then one
 * signature line per signer in the given order.
 *
 * @throws NoteError `malformed-note` if the text does not end in a newline or contains forbidden
 * characters; `invalid-signer` for a bad signer name or key ID, an empty signature, no signers, or more
 * than {@link MAX_NOTE_SIGNATURES}.
 */
export function signNote(text: string, signers: readonly NoteSigner[]): string {
  if (typeof text !== 'string' || !text.endsWith('\n')) {
    throw new NoteError('malformed-note', 'note text must end with a newline');
  }
  checkNoteText(text, 'note text');
  if (signers.length === 0) throw new NoteError('invalid-signer', 'a note needs at least one signature');
  if (signers.length > MAX_NOTE_SIGNATURES) {
    throw new NoteError('invalid-signer', `a note can carry at most ${MAX_NOTE_SIGNATURES} signatures`);
  }
  const message = utf8Encoder.encode(text);
  let lines = '';
  for (const signer of signers) {
    if (!isValidKeyName(signer.name)) {
      throw new NoteError('invalid-signer', `invalid signer key name ${JSON.stringify(signer.name)}`);
    }
    if (!isUint32(signer.keyId))
      throw new NoteError('invalid-signer', `signer ${signer.name} has an invalid key ID`);
    const sig = signer.sign(message);
    if (!(sig instanceof Uint8Array) || sig.length === 0) {
      throw new NoteError('invalid-signer', `signer ${signer.name} returned no signature`);
    }
    const raw = new Uint8Array(4 + sig.length);
    new DataView(raw.buffer).setUint32(0, signer.keyId);
    raw.set(sig, 4);
    lines += `${SIG_PREFIX}${signer.name} ${toBase64(raw)}\n`;
  }
  return `${text}\n${lines}`;
}

interface ParsedLine extends NoteSignature {
  readonly signature: Uint8Array;
}

/**
 * Parses a signed note and verifies it against the configured keys. Signatures from unknown keys are
 * ignored (listed in `unverified`); every signature whose name and key ID match a configured key is
 * verified, and one bad signature rejects the whole note. Configure several verifiers to accept any of
 * them, e.g. the current and the next key during a rotation.
 *
 * Accepts the note as bytes (checked to be UTF-8) or as a string.
 *
 * @throws NoteError `malformed-note`, `unverified-note`, `invalid-signature` or `ambiguous-key`.
 */
export function openNote(note: string | Uint8Array, verifiers: readonly NoteVerifier[]): OpenedNote {
  let s: string;
  if (typeof note === 'string') {
    s = note;
  } else {
    try {
      s = utf8Decoder.decode(note);
    } catch {
      throw new NoteError('malformed-note', 'note is not valid UTF-8');
    }
  }
  checkNoteText(s, 'note');

  const split = s.lastIndexOf('\n\n');
  if (split < 0) throw new NoteError('malformed-note', 'note has no blank line before its signatures');
  const text = s.slice(0, split + 1);
  const block = s.slice(split + 2);
  if (block.length === 0 || !block.endsWith('\n')) {
    throw new NoteError('malformed-note', 'signature block must be non-empty and end with a newline');
  }
  const rawLines = block.slice(0, -1).split('\n');
  if (rawLines.length > MAX_NOTE_SIGNATURES) {
    throw new NoteError('malformed-note', `note has more than ${MAX_NOTE_SIGNATURES} signatures`);
  }
  const lines = rawLines.map(parseSignatureLine);

  const message = utf8Encoder.encode(text);
  const verified: VerifiedSignature[] = [];
  const unverified: NoteSignature[] = [];
  const seenVerified = new Set<string>();
  const seenUnverified = new Set<string>();
  for (const line of lines) {
    const matches = verifiers.filter((v) => v.name === line.name && v.keyId === line.keyId);
    const id = `${line.name}+${keyIdHex(line.keyId)}`;
    if (matches.length === 0) {
      const key = `${line.name} ${line.base64}`;
      if (!seenUnverified.has(key)) {
        seenUnverified.add(key);
        unverified.push({ name: line.name, keyId: line.keyId, base64: line.base64 });
      }
      continue;
    }
    if (matches.length > 1)
      throw new NoteError('ambiguous-key', `more than one verifier is configured for ${id}`);
    const verifier = matches[0] as NoteVerifier;
    // Every signature from a known key is checked, even a repeat, as the spec requires.
    if (!verifier.verify(message, line.signature)) {
      throw new NoteError('invalid-signature', `invalid signature for key ${id}`);
    }
    if (!seenVerified.has(id)) {
      seenVerified.add(id);
      verified.push({ name: line.name, keyId: line.keyId, base64: line.base64, verifier });
    }
  }
  if (verified.length === 0) {
    const found = unverified.map((u) => `${u.name}+${keyIdHex(u.keyId)}`).join(', ');
    throw new NoteError('unverified-note', `note has no signature from a configured key (found: ${found})`);
  }
  return { text, verified, unverified };
}

function parseSignatureLine(line: string, i: number): ParsedLine {
  if (!line.startsWith(SIG_PREFIX)) {
    throw new NoteError(
      'malformed-note',
      `signature line ${i + 1} does not start with an em dash and a space`,
    );
  }
  const rest = line.slice(SIG_PREFIX.length);
  const space = rest.indexOf(' ');
  const name = space < 0 ? rest : rest.slice(0, space);
  const b64 = space < 0 ? '' : rest.slice(space + 1);
  if (!isValidKeyName(name))
    throw new NoteError('malformed-note', `signature line ${i + 1} has an invalid key name`);
  let raw: Uint8Array;
  try {
    raw = fromBase64(b64);
  } catch {
    throw new NoteError('malformed-note', `signature line ${i + 1} is not canonical base64`);
  }
  if (raw.length < 5) throw new NoteError('malformed-note', `signature line ${i + 1} is too short`);
  const keyId = new DataView(raw.buffer, raw.byteOffset, 4).getUint32(0);
  return { name, keyId, base64: b64, signature: raw.subarray(4) };
}
