import { createHash } from 'node:crypto';
import { canonicalJson } from '@ecp/ledger-format/canonical-json';
import { consensusWithInterval } from '@ecp/scoring/consensus';
import type { WeightedVote } from '@ecp/scoring/distribution';

export type PollWeighting = 'EQUAL' | 'CONFIDENCE' | 'REPUTATION';

export interface TalliedVote {
  agentId: string;
  option: string;
  confidence: number;
  rationale: string;
  signatureKeyId: string | null;
  signature: string | null;
  /** The voter's calibration weight from the learning consortium when it voted (REPUTATION polls). */
  reputation: number | null;
}

export interface OptionTally {
  option: string;
  votes: number;
  weight: number;
}

export interface PollResult {
  tallies: OptionTally[];
  participation: number;
  quorumMet: boolean;
  /** Null below quorum (inconclusive) or when no vote carries weight. */
  consensus: number | null;
  consensusInterval: [number, number] | null;
  voteCount: number;
  votesDigest: string;
}

/**
 * What a vote counts for under a weighting. REPUTATION counts the voter's calibration weight, taken
 * from the learning consortium when the vote was cast (so a result never changes after the fact).
 */
export function voteWeight(
  weighting: PollWeighting,
  vote: Pick<TalliedVote, 'confidence'> & { reputation?: number | null },
): number {
  switch (weighting) {
    case 'EQUAL':
      return 1;
    case 'CONFIDENCE':
      return vote.confidence;
    case 'REPUTATION':
      if (vote.reputation == null) throw new RangeError('a REPUTATION vote without its voter’s calibration');
      return vote.reputation;
  }
}

/** Tallies over the poll's options, in their order: how many votes and how much weight each has. */
export function tally(
  options: readonly string[],
  weighting: PollWeighting,
  votes: readonly TalliedVote[],
): OptionTally[] {
  const byOption = new Map(options.map((o) => [o, { option: o, votes: 0, weight: 0 }]));
  for (const vote of votes) {
    const t = byOption.get(vote.option);
    if (!t) throw new RangeError(`a vote for ${vote.option}, which is not an option of the poll`);
    t.votes += 1;
    t.weight += voteWeight(weighting, vote);
  }
  return [...byOption.values()];
}

/** The weight of each option's votes under a weighting (options without votes absent). */
export function weightsByOption(
  weighting: PollWeighting,
  votes: readonly (Pick<TalliedVote, 'option' | 'confidence'> & { reputation?: number | null })[],
) {
  const weights: Record<string, number> = {};
  for (const v of votes) weights[v.option] = (weights[v.option] ?? 0) + voteWeight(weighting, v);
  return weights;
}

/**
 * SHA-256 of the canonical JSON of the vote records sorted by voter: what the ledger entry of a closed
 * poll binds, so anyone holding the votes (`Poll.votes`) can check them against it.
 */
export function votesDigest(votes: readonly TalliedVote[]): string {
  const records = [...votes]
    .sort((a, b) => (a.agentId < b.agentId ? -1 : a.agentId > b.agentId ? 1 : 0))
    .map((v) => ({
      agentId: v.agentId,
      option: v.option,
      confidence: v.confidence,
      rationale: v.rationale,
      signatureKeyId: v.signatureKeyId,
      signature: v.signature,
    }));
  return createHash('sha256').update(canonicalJson(records)).digest('hex');
}

/**
 * A poll's result from its votes: raw and weighted tallies, participation among the eligible voters,
 * whether quorum was met, and — only when it was — the consensus score (1 − normalised entropy of the
 * weighted distribution) with its 95% bootstrap interval (docs/scoring.md).
 */
export function pollResult(
  poll: { options: readonly string[]; eligibleVoters: number; quorum: number; weighting: PollWeighting },
  votes: readonly TalliedVote[],
): PollResult {
  const tallies = tally(poll.options, poll.weighting, votes);
  const quorumMet = votes.length >= poll.quorum;
  const weighted: WeightedVote[] = votes.map((v) => ({
    option: v.option,
    weight: voteWeight(poll.weighting, v),
  }));
  const totalWeight = weighted.reduce((s, v) => s + v.weight, 0);
  const estimate = quorumMet && totalWeight > 0 ? consensusWithInterval(poll.options, weighted) : null;
  return {
    tallies,
    participation: poll.eligibleVoters > 0 ? votes.length / poll.eligibleVoters : 0,
    quorumMet,
    consensus: estimate?.consensus ?? null,
    consensusInterval: estimate?.interval ?? null,
    voteCount: votes.length,
    votesDigest: votesDigest(votes),
  };
}
