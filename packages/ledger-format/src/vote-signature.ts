import { ed25519 } from '@noble/curves/ed25519';
import { canonicalBytes } from './canonical-json';
import { decodeSignature } from './decision-entry';

export const VOTE_KIND = 'ecp.vote/v1';

/** What a vote says, as its voter signs it. */
export interface VoteStatement {
  pollId: string;
  agentId: string;
  option: string;
  confidence: number;
  rationale: string;
}

/**
 * The bytes a voter signs: the RFC 8785 canonical form of `{kind, pollId, agentId, option,
 * confidence, rationale}`. The kind, the poll and the voter are bound, so a signature cannot be moved
 * to another poll, another voter or another kind of record.
 */
export function voteSigningMessage(vote: VoteStatement): Uint8Array {
  return canonicalBytes({
    kind: VOTE_KIND,
    pollId: vote.pollId,
    agentId: vote.agentId,
    option: vote.option,
    confidence: vote.confidence,
    rationale: vote.rationale,
  });
}

/** Checks an Ed25519 signature (RFC 8032, strict; canonical base64 of 64 bytes) over a vote's message. */
export function verifyVoteSignature(
  vote: VoteStatement,
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
    return ed25519.verify(signature, voteSigningMessage(vote), publicKey, { zip215: false });
  } catch {
    return false;
  }
}
