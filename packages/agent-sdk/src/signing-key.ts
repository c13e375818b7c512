import { fromBase64, fromBase64Url, toBase64 } from '@ecp/merkle/base64';
import { ed25519 } from '@noble/curves/ed25519';
import { hmac } from '@noble/hashes/hmac';
import { sha256 } from '@noble/hashes/sha2';

/** A Node `KeyObject` holding an Ed25519 private key, as `crypto.generateKeyPairSync('ed25519')` makes (typed structurally: the core imports nothing of Node). */
export interface Ed25519KeyObject {
  type: string;
  asymmetricKeyType?: string;
  export(options: { format: 'jwk' }): { d?: string; crv?: string };
}

/** An agent's Ed25519 private key in any of the forms it is usually kept in. */
export type SigningKeyInput = Ed25519KeyObject | string | Uint8Array;

// PKCS #8 v1 for Ed25519 (RFC 8410 §7): SEQUENCE { INTEGER 0, SEQUENCE { OID 1.3.101.112 }, OCTET STRING { OCTET STRING (32) } }.
const PKCS8_ED25519_PREFIX = Uint8Array.from([
  0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20,
]);

function isKeyObject(key: unknown): key is Ed25519KeyObject {
  return typeof key === 'object' && key !== null && typeof (key as Ed25519KeyObject).export === 'function';
}

function seedFromPem(pem: string): Uint8Array {
  const match = /-----BEGIN PRIVATE KEY-----([\s\S]+?)-----END PRIVATE KEY-----/.exec(pem);
  if (!match) {
    throw new TypeError(
      'A PEM signing key must be an unencrypted PKCS #8 Ed25519 key ("-----BEGIN PRIVATE KEY-----").',
    );
  }
  const der = fromBase64(match[1]!.replace(/\s+/g, ''));
  const prefixMatches = der.length === 48 && PKCS8_ED25519_PREFIX.every((byte, i) => der[i] === byte);
  if (!prefixMatches) throw new TypeError('The PEM key is not a PKCS #8 Ed25519 private key.');
  return der.slice(16);
}

function seedOf(key: SigningKeyInput): Uint8Array {
  if (key instanceof Uint8Array) {
    if (key.length !== 32) throw new TypeError(`An Ed25519 seed has 32 bytes, not ${key.length}.`);
    return Uint8Array.from(key);
  }
  if (typeof key === 'string') return seedFromPem(key);
  if (isKeyObject(key)) {
    if (key.type !== 'private' || key.asymmetricKeyType !== 'ed25519')
      throw new TypeError('The signing key must be an Ed25519 private KeyObject.');
    const { d } = key.export({ format: 'jwk' });
    if (!d) throw new TypeError('The KeyObject did not export its private part.');
    return fromBase64Url(d);
  }
  throw new TypeError('A signing key is a KeyObject, PEM text, or its 32-byte seed.');
}

/**
 * An Ed25519 signing key (RFC 8032), from a Node KeyObject, PKCS #8 PEM text or its 32-byte seed. It
 * signs with @noble/curves, so it works wherever the client does, browsers included. The private part
 * stays in this object: nothing sends or logs it.
 */
export class SigningKey {
  readonly #seed: Uint8Array;
  /** The 32-byte public key. */
  readonly publicKey: Uint8Array;
  /** The public key as `registerAgentKey` takes it and `Agent.signingKeys.publicKey` shows it: base64. */
  readonly publicKeyBase64: string;

  constructor(key: SigningKeyInput) {
    this.#seed = seedOf(key);
    this.publicKey = ed25519.getPublicKey(this.#seed);
    this.publicKeyBase64 = toBase64(this.publicKey);
  }

  /** The signature over `message`, in canonical base64 (what the ledger and the advisory subgraph accept). */
  sign(message: Uint8Array): string {
    return toBase64(ed25519.sign(message, this.#seed));
  }

  /** A secret for `purpose` derived from the key (HMAC-SHA-256 of its seed): the seed itself never leaves. */
  derive(purpose: string): Uint8Array {
    return hmac(sha256, new TextEncoder().encode(purpose), this.#seed);
  }

  toJSON(): { publicKey: string } {
    return { publicKey: this.publicKeyBase64 };
  }
}
