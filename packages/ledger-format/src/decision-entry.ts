import { fromBase64 } from '@ecp/merkle/base64';
import { ed25519 } from '@noble/curves/ed25519';
import { canonicalBytes } from './canonical-json';

/** The kind new decisions are written as. */
export const DECISION_KIND = 'ecp.decision/v3';

/** Decisions with tags and advice, written before the Liability Firewall's part: still read and verified. */
export const DECISION_KIND_V2 = 'ecp.decision/v2';

/** The first decision kind: entries written before tags and advice, still in the ledger and still verified. */
export const DECISION_KIND_V1 = 'ecp.decision/v1';

/** Any decision kind, as an entry names it. */
export type DecisionKind = typeof DECISION_KIND | typeof DECISION_KIND_V2 | typeof DECISION_KIND_V1;

/** A decision's category, as the entry schemas publish it: `pricing`, `credit.limit`. */
export const CATEGORY_PATTERN = /^[a-z0-9][a-z0-9._-]{0,63}$/;

/** A tag of an `ecp.decision/v2` decision, as its schema publishes it: `refund`, `supplier/acme`. */
export const TAG_PATTERN = /^[a-z0-9][a-z0-9._/-]{0,63}$/;

/** The most tags a decision has. */
export const MAX_TAGS = 32;

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

/** The advice a decision took, by its ids in the advisory subgraph (and, from v3, the lesson version it followed). */
export interface DecisionAdvice {
  frictionAssessmentId?: string;
  pollId?: string;
  /** The learning consortium's `Recommendation.lessonVersion` the agent followed (`ecp.decision/v3` only). */
  lessonVersion?: string;
}

/** The body of an `ecp.decision/v1` entry. */
export interface DecisionBodyV1 {
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

/** The body of an `ecp.decision/v2` entry, what decisions are recorded with: v1's, with tags and advice. */
export interface DecisionBody extends DecisionBodyV1 {
  /** Unique labels (`^[a-z0-9][a-z0-9._/-]{0,63}$`), at most 32; `[]` when none. */
  tags: string[];
  /** `{}` when the decision names no advice. */
  advice: DecisionAdvice;
}

export interface DecisionSignature {
  keyId: string;
  algorithm: 'ed25519';
  /** base64 */
  value: string;
}

/** One party's share of the liability for a committed decision, exact (ppm sum to 1,000,000). */
export interface DecisionLiabilityShare {
  party: 'agent' | 'organisation' | 'approver' | 'consortium' | 'breakGlass';
  partyId: string | null;
  /** Exact decimal, e.g. `"0.35"`. */
  share: string;
  ppm: number;
  rule: string;
}

/** The part of an `ecp.decision/v3` entry the Liability Firewall writes at commit (the agent does not sign it). */
export interface DecisionFirewallPart {
  /** Codes of the reasons it was held for; `[]` when it committed at once. */
  holdReasons: string[];
  /** SHA-256 of the proposal its approvals bound; null when it was not held. */
  proposalSha256: string | null;
  /** Ledger indexes (decimal) of the approval entries that committed it; `[]` when it was not held. */
  approvals: string[];
  /** The friction assessment it was judged by; null when none was obtained. */
  frictionAssessmentId: string | null;
  /** The liability allocation at commit; null when the firewall is off. */
  liability: { rulesVersion: string; shares: DecisionLiabilityShare[] } | null;
}

interface DecisionEntryOf<K extends DecisionKind, B> {
  kind: K;
  decisionId: string;
  agentId: string;
  recordedAt: string;
  body: B;
  signature?: DecisionSignature;
}

/** The `ecp.decision/v3` entry: what is canonicalised, hashed into a leaf and kept forever. */
export type DecisionEntryV3 = DecisionEntryOf<typeof DECISION_KIND, DecisionBody> & {
  firewall: DecisionFirewallPart;
};

/** An `ecp.decision/v2` entry, as written before the Liability Firewall. */
export type DecisionEntryV2 = DecisionEntryOf<typeof DECISION_KIND_V2, DecisionBody>;

/** An `ecp.decision/v1` entry, as written before tags and advice. */
export type DecisionEntryV1 = DecisionEntryOf<typeof DECISION_KIND_V1, DecisionBodyV1>;

/** A decision entry of any kind, as read back from the ledger. */
export type DecisionEntry = DecisionEntryV3 | DecisionEntryV2 | DecisionEntryV1;

/** Whether `kind` is one of the decision kinds. */
export function isDecisionKind(kind: unknown): kind is DecisionKind {
  return kind === DECISION_KIND || kind === DECISION_KIND_V2 || kind === DECISION_KIND_V1;
}

/**
 * A decision's tags and advice whichever kind it is: a v1 entry has no tags (`[]`) and says nothing
 * of advice (`null`, where a v2 entry that took none says `{}`).
 */
export function tagsAndAdvice(entry: DecisionEntry): { tags: string[]; advice: DecisionAdvice | null } {
  return entry.kind === DECISION_KIND_V1
    ? { tags: [], advice: null }
    : { tags: entry.body.tags, advice: entry.body.advice };
}

/**
 * The bytes an agent signs: the canonical form of `{kind, agentId, body}` with the entry's own kind
 * (`ecp.decision/v3` unless said otherwise). Binding the kind and the agent means a signature cannot
 * be replayed as another agent's, as another kind of entry, or as another version of this one.
 */
export function decisionSigningMessage(
  agentId: string,
  body: DecisionBody,
  kind?: typeof DECISION_KIND | typeof DECISION_KIND_V2,
): Uint8Array;
export function decisionSigningMessage(
  agentId: string,
  body: DecisionBodyV1,
  kind: typeof DECISION_KIND_V1,
): Uint8Array;
export function decisionSigningMessage(
  agentId: string,
  body: DecisionBody | DecisionBodyV1,
  kind: DecisionKind = DECISION_KIND,
): Uint8Array {
  return canonicalBytes({ kind, agentId, body });
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

/**
 * Checks an Ed25519 signature (RFC 8032, strict) over the decision's signing message, for the kind
 * the entry is (`ecp.decision/v3` unless said otherwise).
 */
export function verifyDecisionSignature(
  agentId: string,
  body: DecisionBody,
  signatureBase64: string,
  publicKey: Uint8Array,
  kind?: typeof DECISION_KIND | typeof DECISION_KIND_V2,
): boolean;
export function verifyDecisionSignature(
  agentId: string,
  body: DecisionBodyV1,
  signatureBase64: string,
  publicKey: Uint8Array,
  kind: typeof DECISION_KIND_V1,
): boolean;
export function verifyDecisionSignature(
  agentId: string,
  body: DecisionBody | DecisionBodyV1,
  signatureBase64: string,
  publicKey: Uint8Array,
  kind: DecisionKind = DECISION_KIND,
): boolean {
  return verifyEd25519(canonicalBytes({ kind, agentId, body }), signatureBase64, publicKey);
}

/**
 * Checks an Ed25519 signature (RFC 8032, strict: no ZIP-215 leniency) over `message`, given in
 * canonical base64 of 64 bytes (`decodeSignature`), with a 32-byte public key. False for anything that
 * is not a valid signature, whatever is wrong with it.
 */
export function verifyEd25519(message: Uint8Array, signatureBase64: string, publicKey: Uint8Array): boolean {
  let signature: Uint8Array;
  try {
    signature = decodeSignature(signatureBase64);
  } catch {
    return false;
  }
  if (publicKey.length !== 32) return false;
  try {
    return ed25519.verify(signature, message, publicKey, { zip215: false });
  } catch {
    return false;
  }
}
