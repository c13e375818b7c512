import type { Outbox } from '@ecp/events/outbox';
import { LockMode } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import { POLL_UPDATED } from '../../topics';
import { VoteEntity } from '../votes/vote.entity';
import { type Poll, type PollCloseReason, PollEntity } from './poll.entity';
import { pollResult, type TalliedVote } from './poll-result';

/** A vote as the result counts it. */
export function talliedVote(v: {
  agentId: string;
  option: string;
  confidence: number;
  rationale: string;
  signatureKeyId?: string | null;
  signature?: string | null;
  reputation?: number | null;
}): TalliedVote {
  return {
    agentId: v.agentId,
    option: v.option,
    confidence: v.confidence,
    rationale: v.rationale,
    signatureKeyId: v.signatureKeyId ?? null,
    signature: v.signature ?? null,
    reputation: v.reputation ?? null,
  };
}

/** The poll, locked for this transaction: votes and closes of one poll happen one at a time. */
export async function lockPoll(tx: EntityManager, id: string): Promise<Poll | null> {
  return tx.findOne(PollEntity, { id }, { lockMode: LockMode.PESSIMISTIC_WRITE, refresh: true });
}

/**
 * Closes a locked, open poll in the caller's transaction: counts its votes into the result and writes
 * the `pollUpdated` event whose consumer records the result in the ledger.
 */
export async function closeLockedPoll(
  tx: EntityManager,
  outbox: Outbox,
  poll: Poll,
  reason: PollCloseReason,
): Promise<Poll> {
  const votes = await tx.find(VoteEntity, { pollId: poll.id });
  poll.result = pollResult(
    {
      options: poll.options.map((o) => o.id),
      eligibleVoters: poll.eligibleVoters.length,
      quorum: poll.quorum,
      weighting: poll.weighting,
    },
    votes.map(talliedVote),
  );
  poll.status = 'CLOSED';
  poll.closedAt = new Date();
  poll.closeReason = reason;
  await tx.flush();
  await outbox.write(tx, [
    {
      topic: POLL_UPDATED,
      key: { id: poll.id },
      attributes: { change: 'CLOSED', status: 'CLOSED', jurisdiction: poll.jurisdiction },
    },
  ]);
  return poll;
}

/**
 * Closes a poll whose closing time has come (the delayed job, the sweep). Answers what it did: a poll
 * already closed, or not yet due, is left as it is.
 */
export async function closeIfDue(
  em: EntityManager,
  outbox: Outbox,
  id: string,
  now = new Date(),
): Promise<'closed' | 'already-closed' | 'not-due' | 'unknown'> {
  return em.transactional(async (tx) => {
    const poll = await lockPoll(tx, id);
    if (!poll) return 'unknown';
    if (poll.status === 'CLOSED') return 'already-closed';
    if (poll.closesAt.getTime() > now.getTime()) return 'not-due';
    await closeLockedPoll(tx, outbox, poll, 'CLOSING_TIME');
    return 'closed';
  });
}

/** The ledger entry body of a closed poll: everything in it comes from the stored poll, so a retry sends the same. */
export function pollResultEntryBody(poll: Poll): Record<string, unknown> {
  const result = poll.result;
  if (poll.status !== 'CLOSED' || !result || !poll.closedAt || !poll.closeReason) {
    throw new Error(`poll ${poll.id} is not closed`);
  }
  return {
    pollId: poll.id,
    openedBy: poll.openedBy,
    jurisdiction: poll.jurisdiction,
    ...(poll.category ? { category: poll.category } : {}),
    question: poll.question,
    options: poll.options.map((o) => ({ id: o.id, description: o.description })),
    weighting: poll.weighting,
    quorum: poll.quorum,
    eligibleVoters: poll.eligibleVoters.length,
    closesAt: poll.closesAt.toISOString(),
    closedAt: poll.closedAt.toISOString(),
    closeReason: poll.closeReason,
    voteCount: result.voteCount,
    votesDigest: result.votesDigest,
    tallies: result.tallies,
    participation: result.participation,
    quorumMet: result.quorumMet,
    consensus: result.consensus,
    consensusInterval: result.consensusInterval,
  };
}

/** The kind of ledger entry a closed poll is. */
export const POLL_RESULT_KIND = 'ecp.poll-result/v1';
