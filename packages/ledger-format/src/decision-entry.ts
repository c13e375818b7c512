import { fromBase64 } from '@ecp/merkle/base64';
import { ed25519 } from '@noble/curves/ed25519';
import { canonicalBytes } from './canonical-json';

export const DECISION_KIND = 'ecp.decision/v1';

export interface DecisionOption {
  id: string;
  description: string;
}

export interface InputDigest {
  name: string;
  algorithm: 'sha-256';
  digest: string;
}

export interface PrecedentRef {
  /** Ledger index of the cited entry, as a decimal string. */
  index: string;
  /** Its leaf hash, lowercase hex: the citation names the exact bytes it relies on. */
  leafHash: string;
}

export interface DecisionBody {
  jurisdiction: string;
  category: string;
  context: Record<string, unknown>;
  options: DecisionOption[];
  chosenOption: string;
  rationale: string;
  confidence: number;
  inputDigests: InputDigest[];
  precedents: PrecedentRef[];
  idempotencyKey: string;
}

export interface DecisionSignature {
  keyId: string;
  algorithm: 'ed25519';
  /** base64 */
  value: string;
}

/** The `ecp.decision/v1` entry: what is canonicalised, hashed into a leaf and kept forever. */
export interface DecisionEntry {
  kind: typeof DECISION_KIND;
  decisionId: string;
  agentId: string;
  recordedAt: string;
  body: DecisionBody;
  signature?: DecisionSignature;
}

/**
 * The bytes an agent signs: the canonical form of `{kind, agentId, body}`. Binding the kind and the
 * agent means a signature cannot be replayed as another agent's or as another kind of entry.
 */
export function decisionSigningMessage(agentId: string, body: DecisionBody): Uint8Array {
  return canonicalBytes({ kind: DECISION_KIND, agentId, body });
}

/**
 * The 64 bytes of a signature written in canonical standard base64 (RFC 4648 §4: padded, no
 * whitespace, zero padding bits). Only the canonical form is accepted, so a stored signature has one
 * spelling: `…AB==` with padding bits set decodes to the same bytes but is refused.
 *
 * @throws SyntaxError saying what is wrong.
 */
export function decodeSignature(signatureBase64: string): Uint8Array {
  const signature = fromBase64(signatureBase64);
  if (signature.length !== 64)
    throw new SyntaxError(`an Ed25519 signature has 64 bytes, not ${signature.length}`);
  return signature;
}

/** Checks an Ed25519 signature (RFC 8032, strict) over the decision's signing message. */
export function verifyDecisionSignature(
  agentId: string,
  body: DecisionBody,
  signatureBase64: string,
  publicKey: Uint8Array,
): boolean {
  let signature: Uint8Array;
  try {
    signature = decodeSignature(signatureBase64);
  } catch {
    return false;
  }
  if (publicKey.length !== 32) return false;
  try {
    return ed25519.verify(signature, decisionSigningMessage(agentId, body), publicKey, { zip215: false });
  } catch {
    return false;
  }
}
