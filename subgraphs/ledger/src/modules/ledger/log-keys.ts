import { createPrivateKey, sign } from 'node:crypto';
import {
  ed25519Verifier,
  formatVerifierKey,
  type NoteSigner,
  type NoteVerifier,
  parseSignerKey,
  parseVerifierKey,
} from '@ecp/merkle/signed-note';
import { ed25519 } from '@noble/curves/ed25519';

/** The log's identity and keys: the signer of new checkpoints and every key accepted on old ones. */
export interface LogKeys {
  origin: string;
  signer: NoteSigner;
  /** The current key's verifier string, what auditors pin: `<name>+<key id>+<key>`. */
  verifierKey: string;
  /** The current key first, then keys being rotated out. */
  verifiers: NoteVerifier[];
  verifierKeys: string[];
}

const PKCS8_ED25519_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');

/**
 * Builds the log's keys from configuration. Signing uses node:crypto (fast); the signed-note format
 * and verification come from @ecp/merkle, the same code auditors run.
 */
export function logKeys(origin: string, signerKey: string, extraVerifierKeys: readonly string[]): LogKeys {
  const parsed = parseSignerKey(signerKey);
  const publicKey = ed25519.getPublicKey(parsed.seed);
  const privateKey = createPrivateKey({
    key: Buffer.concat([PKCS8_ED25519_PREFIX, Buffer.from(parsed.seed)]),
    format: 'der',
    type: 'pkcs8',
  });
  const signer: NoteSigner = {
    name: parsed.name,
    keyId: parsed.keyId,
    sign: (message) => new Uint8Array(sign(null, message, privateKey)),
  };
  const verifierKey = formatVerifierKey(parsed.name, publicKey);
  const others = extraVerifierKeys.filter((k) => k !== verifierKey);
  const verifiers = [
    ed25519Verifier(parsed.name, publicKey),
    ...others.map((k) => {
      const v = parseVerifierKey(k);
      return ed25519Verifier(v.name, v.publicKey);
    }),
  ];
  return { origin, signer, verifierKey, verifiers, verifierKeys: [verifierKey, ...others] };
}
