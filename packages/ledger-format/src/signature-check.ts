import { decodeSignature, verifyEd25519 } from './decision-entry';

/** Why a signature an agent sent is refused: a sentence, and where in the input (`input.signature.*`). */
export interface SignatureRefusal {
  message: string;
  details: { path: string; reason: string }[];
}

/**
 * The one check behind every signed record (a decision, a vote): the named key must be the caller's
 * and not revoked, the signature canonical base64 of 64 bytes, and valid Ed25519 over `signed`. Null
 * when it holds; otherwise what to tell the caller, ending with how to sign (`howToSign`).
 */
export function signatureRefusal(
  key: { publicKey: Uint8Array; revoked: boolean } | null,
  value: string,
  signed: Uint8Array,
  howToSign: string,
): SignatureRefusal | null {
  if (!key) {
    return {
      message: 'The signature names a key that is not registered to this agent.',
      details: [{ path: 'input.signature.keyId', reason: 'not one of the calling agent’s keys' }],
    };
  }
  if (key.revoked) {
    return {
      message: 'The signature names a revoked key.',
      details: [{ path: 'input.signature.keyId', reason: 'revoked' }],
    };
  }
  try {
    decodeSignature(value);
  } catch (err) {
    const reason = (err as Error).message;
    return {
      message: `The signature is not canonical base64 of 64 bytes (${reason}): send it as standard base64 with padding and zero padding bits.`,
      details: [{ path: 'input.signature.value', reason }],
    };
  }
  if (!verifyEd25519(signed, value, key.publicKey)) {
    return {
      message: `The signature does not verify: ${howToSign}`,
      details: [{ path: 'input.signature.value', reason: 'Ed25519 verification failed' }],
    };
  }
  return null;
}
