import { canonicalBytes } from './canonical-json';

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
