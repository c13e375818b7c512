import { isUuid, newId } from '@ecp/db/ids';
import {
  BadUserInputError,
  ConflictError,
  ForbiddenError,
  InvalidSignatureError,
  NotFoundError,
  ServiceUnavailableError,
} from '@ecp/errors/errors';
import type { Outbox } from '@ecp/events/outbox';
import { hasRole, type Principal } from '@ecp/identity/principal';
import { isJurisdiction } from '@ecp/jurisdictions/jurisdiction';
import { signatureRefusal } from '@ecp/ledger-format/signature-check';
import { type VoteStatement, voteSigningMessage } from '@ecp/ledger-format/vote-signature';
import type { Logger } from '@ecp/logging/logger';
import { fromBase64 } from '@ecp/merkle/base64';
import { type KeysetPage, timeIdKeyset } from '@ecp/service-kit/keyset';
import type { ServiceDirectory } from '@ecp/service-kit/service-directory';
import { UniqueConstraintViolationException } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import type { AdvisoryMetrics } from '../../advisory-metrics';
import type { ConsortiumEvidence } from '../../learning/consortium-evidence';
import { LEDGER_AGENTS, LEDGER_AGENTS_ACTING_IN } from '../../ledger/ledger-operations';
import { POLL_UPDATED } from '../../topics';
import { divergenceFromWeights } from '../divergence/divergence';
import { categoryProblems, jurisdictionProblems, optionProblems, type Problem } from '../drafts';
import { type Vote, VoteEntity } from '../votes/vote.entity';
import { type Poll, PollEntity, type PollStatus } from './poll.entity';
import { closeLockedPoll, lockPoll, talliedVote } from './poll-closing';
import { type OptionTally, type PollWeighting, tally } from './poll-result';

export interface OpenPollInput {
  question: string;
  jurisdiction: string;
  category?: string | null;
  options: { id: string; description?: string | null }[];
  eligibleVoters?: readonly string[] | null;
  quorum: number;
  closesAt: Date;
  weighting?: PollWeighting | null;
}

export interface CastVoteInput {
  pollId: string;
  option: string;
  confidence: number;
  rationale?: string | null;
  signature?: { keyId: string; value: string } | null;
}

export interface PollFilter {
  status?: PollStatus | null;
  jurisdiction?: string | null;
  openedBy?: string | null;
  eligibleVoter?: string | null;
}

/** Schedules a poll's close at its time: a delayed job, run by the workers. */
export interface PollTimers {
  scheduleClose(pollId: string, at: Date): Promise<void>;
}

/** Most voters one poll may have, and the furthest ahead it may close. */
export const MAX_ELIGIBLE_VOTERS = 1000;
export const MAX_POLL_DURATION_MS = 90 * 24 * 3600 * 1000;

interface Deps {
  em: EntityManager;
  principal: Principal;
  logger: Logger;
  requestId: string;
  services: ServiceDirectory;
  outbox: Outbox;
  timers: PollTimers;
  metrics: AdvisoryMetrics;
  consortium: ConsortiumEvidence;
}

/**
 * Network Opinion Polls: an agent opens one on a draft decision; eligible agents vote once each; it
 * closes at its time (a delayed job), when every eligible voter has voted, or early by its opener or
 * an operator; its result is then recorded in the ledger.
 */
export class PollService {
  constructor(private readonly deps: Deps) {}

  private callOptions() {
    const { principal, requestId, logger } = this.deps;
    return { actingFor: principal, requestId, logger };
  }

  async open(input: OpenPollInput): Promise<Poll> {
    const { principal, em } = this.deps;
    if (principal.kind !== 'agent' || !hasRole(principal, 'AGENT')) {
      throw new ForbiddenError('Opening polls needs the AGENT role.');
    }
    const problems: Problem[] = [];
    const question = input.question.trim();
    if (question.length < 1 || question.length > 2000) {
      problems.push({ path: 'input.question', reason: 'must be 1 to 2000 characters' });
    }
    problems.push(...jurisdictionProblems(input.jurisdiction, principal));
    if (input.category) problems.push(...categoryProblems(input.category));
    problems.push(
      ...optionProblems(
        input.options.map((o) => o.id),
        2,
      ),
    );
    input.options.forEach((o, i) => {
      if ((o.description ?? '').length > 2000) {
        problems.push({ path: `input.options.${i}.description`, reason: 'at most 2000 characters' });
      }
    });
    if (!Number.isInteger(input.quorum) || input.quorum < 1) {
      problems.push({ path: 'input.quorum', reason: 'must be a whole number of votes, at least 1' });
    }
    const now = Date.now();
    if (input.closesAt.getTime() <= now) {
      problems.push({ path: 'input.closesAt', reason: 'must be in the future' });
    } else if (input.closesAt.getTime() > now + MAX_POLL_DURATION_MS) {
      problems.push({ path: 'input.closesAt', reason: 'must be within 90 days' });
    }
    const weighting = input.weighting ?? 'EQUAL';
    if (input.eligibleVoters) {
      const ids = input.eligibleVoters;
      if (ids.length < 1 || ids.length > MAX_ELIGIBLE_VOTERS) {
        problems.push({
          path: 'input.eligibleVoters',
          reason: `must list 1 to ${MAX_ELIGIBLE_VOTERS} agents`,
        });
      }
      ids.forEach((id, i) => {
        if (!isUuid(id)) problems.push({ path: `input.eligibleVoters.${i}`, reason: 'must be an agent id' });
      });
      if (new Set(ids).size !== ids.length) {
        problems.push({ path: 'input.eligibleVoters', reason: 'each agent may be listed once' });
      }
    }
    refuse('Invalid poll', problems);

    const eligible = input.eligibleVoters
      ? await this.checkVoters(input.eligibleVoters)
      : await this.votersActingIn(input.jurisdiction);
    if (input.quorum > eligible.length) {
      refuse('Invalid poll', [
        {
          path: 'input.quorum',
          reason: `is above the number of eligible voters (${eligible.length})`,
        },
      ]);
    }
    const id = newId();
    // The timer first: if the poll is then not stored, the job finds no poll and does nothing; the
    // other way round, a poll could be stored with no timer (the sweep would still close it).
    await this.deps.timers.scheduleClose(id, input.closesAt);
    const poll = em.create(PollEntity, {
      id,
      openedBy: principal.id,
      jurisdiction: input.jurisdiction,
      category: input.category ?? null,
      question,
      options: input.options.map((o) => ({ id: o.id, description: o.description ?? '' })),
      eligibleVoters: eligible,
      eligibleBy: input.eligibleVoters ? 'LIST' : 'JURISDICTION',
      quorum: input.quorum,
      weighting,
      closesAt: input.closesAt,
      status: 'OPEN',
      createdAt: new Date(),
    });
    await em.flush();
    this.deps.metrics.pollsOpened.inc();
    this.deps.logger.info({ pollId: id, voters: eligible.length }, 'poll opened');
    return poll;
  }

  /** The listed voters, each a registered software agent. */
  private async checkVoters(ids: readonly string[]): Promise<string[]> {
    const { _entities } = await this.deps.services
      .client('ledger')
      .request(
        LEDGER_AGENTS,
        { representations: ids.map((id) => ({ __typename: 'Agent' as const, id })) },
        this.callOptions(),
      );
    const problems = ids.flatMap((id, i) => {
      const agent = _entities[i];
      if (!agent) return [{ path: `input.eligibleVoters.${i}`, reason: `no agent has id ${id}` }];
      if (!agent.roles.includes('AGENT')) {
        return [{ path: `input.eligibleVoters.${i}`, reason: `${id} is not a software agent (role AGENT)` }];
      }
      return [];
    });
    refuse('Invalid poll', problems);
    return [...ids];
  }

  /** Every software agent that may act in the jurisdiction, as the ledger lists them now. */
  private async votersActingIn(jurisdiction: string): Promise<string[]> {
    const ids: string[] = [];
    let after: string | null = null;
    for (;;) {
      const {
        agents,
      }: {
        agents: {
          edges: { node: { id: string } }[];
          pageInfo: { hasNextPage: boolean; endCursor: string | null };
        };
      } = await this.deps.services
        .client('ledger')
        .request(LEDGER_AGENTS_ACTING_IN, { actingIn: jurisdiction, after }, this.callOptions());
      ids.push(...agents.edges.map((e) => e.node.id));
      if (ids.length > MAX_ELIGIBLE_VOTERS) {
        refuse('Invalid poll', [
          {
            path: 'input.eligibleVoters',
            reason: `more than ${MAX_ELIGIBLE_VOTERS} agents act in ${jurisdiction}: list the voters`,
          },
        ]);
      }
      if (!agents.pageInfo.hasNextPage) break;
      after = agents.pageInfo.endCursor;
    }
    if (ids.length === 0) {
      refuse('Invalid poll', [{ path: 'input.jurisdiction', reason: `no agent may act in ${jurisdiction}` }]);
    }
    return ids;
  }

  async castVote(input: CastVoteInput): Promise<Vote> {
    const { principal, em, outbox } = this.deps;
    if (principal.kind !== 'agent' || !hasRole(principal, 'AGENT')) {
      throw new ForbiddenError('Voting needs the AGENT role.');
    }
    const poll = await this.get(input.pollId);
    const rationale = input.rationale ?? '';
    const problems: Problem[] = [];
    if (!Number.isFinite(input.confidence) || input.confidence < 0 || input.confidence > 1) {
      problems.push({ path: 'input.confidence', reason: 'must be in [0, 1]' });
    }
    if (rationale.length > 4000)
      problems.push({ path: 'input.rationale', reason: 'at most 4000 characters' });
    const optionIds = poll.options.map((o) => o.id);
    if (!optionIds.includes(input.option)) {
      problems.push({
        path: 'input.option',
        reason: `must be one of the poll's options (${optionIds.join(', ')})`,
      });
    }
    assertOpen(poll);
    if (!poll.eligibleVoters.includes(principal.id)) {
      throw new ForbiddenError('The calling agent is not among the poll’s eligible voters.');
    }
    refuse('Invalid vote', problems);
    const statement = {
      pollId: poll.id,
      agentId: principal.id,
      option: input.option,
      confidence: input.confidence,
      rationale,
    };
    const signature = input.signature ? await this.checkSignature(statement, input.signature) : null;
    const reputation = poll.weighting === 'REPUTATION' ? await this.reputationOf(principal.id) : null;
    try {
      const outcome = await em.transactional(async (tx) => {
        const locked = (await lockPoll(tx, poll.id))!;
        assertOpen(locked);
        const vote = tx.create(VoteEntity, {
          id: newId(),
          pollId: poll.id,
          agentId: principal.id,
          option: input.option,
          confidence: input.confidence,
          rationale,
          castAt: new Date(),
          signatureKeyId: signature?.keyId ?? null,
          signature: signature?.value ?? null,
          reputation,
        });
        await tx.flush();
        await outbox.write(tx, [
          {
            topic: POLL_UPDATED,
            key: { id: poll.id },
            attributes: { change: 'VOTE', status: 'OPEN', jurisdiction: poll.jurisdiction },
          },
        ]);
        const cast = await tx.count(VoteEntity, { pollId: poll.id });
        const complete = cast >= locked.eligibleVoters.length;
        if (complete) await closeLockedPoll(tx, outbox, locked, 'ALL_VOTED');
        return { vote, complete };
      });
      this.deps.metrics.votes.inc({ signed: String(signature !== null) });
      if (outcome.complete) this.deps.metrics.pollsClosed.inc({ reason: 'ALL_VOTED' });
      return outcome.vote;
    } catch (err) {
      if (err instanceof UniqueConstraintViolationException) {
        throw new ConflictError('This agent has already voted in the poll; a vote cannot be changed.', [
          { path: 'input.pollId', reason: 'already voted' },
        ]);
      }
      throw err;
    }
  }

  /**
   * What a vote in a REPUTATION poll counts: the voter's calibration weight now, kept with the vote.
   * Without the consortium's answer the vote is refused (SERVICE_UNAVAILABLE; the agent may retry),
   * since a weight made up here would be counted for good.
   */
  private async reputationOf(agentId: string): Promise<number> {
    const calibrations = await this.deps.consortium.calibrations([agentId], this.callOptions());
    const calibration = calibrations?.get(agentId);
    if (!calibration) {
      throw new ServiceUnavailableError(
        'The learning consortium did not answer with the voter’s calibration, which a REPUTATION poll counts; try again.',
      );
    }
    return calibration.weight;
  }

  private async checkSignature(
    statement: VoteStatement,
    signature: { keyId: string; value: string },
  ): Promise<{ keyId: string; value: string }> {
    const { _entities } = await this.deps.services
      .client('ledger')
      .request(
        LEDGER_AGENTS,
        { representations: [{ __typename: 'Agent', id: statement.agentId }] },
        this.callOptions(),
      );
    const key = _entities[0]?.signingKeys.find((k) => k.id === signature.keyId);
    const refusal = signatureRefusal(
      key ? { publicKey: fromBase64(key.publicKey), revoked: key.revokedAt !== null } : null,
      signature.value,
      voteSigningMessage(statement),
      'sign the RFC 8785 canonical form of {kind: "ecp.vote/v1", pollId, agentId, option, confidence, rationale} with the named key.',
    );
    if (refusal) throw new InvalidSignatureError(refusal.message, refusal.details);
    return signature;
  }

  /** Closes a poll before its time: its opener, or an operator or admin. */
  async close(id: string): Promise<Poll> {
    const { principal, em, outbox } = this.deps;
    const poll = await this.get(id);
    const operator = hasRole(principal, 'OPERATOR', 'ADMIN');
    if (poll.openedBy !== principal.id && !operator) {
      throw new ForbiddenError('Only the poll’s opener, an operator or an admin may close it.');
    }
    const closed = await em.transactional(async (tx) => {
      const locked = (await lockPoll(tx, id))!;
      if (locked.status === 'CLOSED') {
        throw new ConflictError(`Poll ${id} is already closed.`, [{ path: 'id', reason: 'already closed' }]);
      }
      const reason =
        locked.closesAt.getTime() <= Date.now()
          ? 'CLOSING_TIME'
          : locked.openedBy === principal.id
            ? 'CLOSED_BY_OPENER'
            : 'CLOSED_BY_OPERATOR';
      return closeLockedPoll(tx, outbox, locked, reason);
    });
    this.deps.metrics.pollsClosed.inc({ reason: closed.closeReason ?? 'unknown' });
    return closed;
  }

  async get(id: string): Promise<Poll> {
    const poll = await this.find(id);
    if (!poll) throw new NotFoundError(`No poll has id ${id}.`);
    return poll;
  }

  async find(id: string): Promise<Poll | null> {
    if (!isUuid(id)) {
      throw new BadUserInputError(`"${id}" is not a poll id.`, [{ path: 'id', reason: 'must be a UUID' }]);
    }
    return this.deps.em.findOne(PollEntity, { id });
  }

  async findForReference(id: string): Promise<Poll | null> {
    return isUuid(id) ? this.deps.em.findOne(PollEntity, { id }) : null;
  }

  /** Polls, newest first; every authenticated caller may list them (the questions are public). */
  async list(filter: PollFilter, page: KeysetPage): Promise<Poll[]> {
    const { where, orderBy } = timeIdKeyset('createdAt', page, 'newest-first');
    if (filter.status) where.push({ status: filter.status });
    if (filter.openedBy) {
      if (!isUuid(filter.openedBy))
        refuse('Invalid filter', [{ path: 'filter.openedBy', reason: 'must be an agent id' }]);
      where.push({ openedBy: filter.openedBy });
    }
    if (filter.eligibleVoter) {
      if (!isUuid(filter.eligibleVoter)) {
        refuse('Invalid filter', [{ path: 'filter.eligibleVoter', reason: 'must be an agent id' }]);
      }
      where.push({ eligibleVoters: { $contains: [filter.eligibleVoter] } });
    }
    if (filter.jurisdiction) {
      if (!isJurisdiction(filter.jurisdiction)) {
        refuse('Invalid filter', [{ path: 'filter.jurisdiction', reason: 'must be a jurisdiction path' }]);
      }
      where.push({
        $or: [{ jurisdiction: filter.jurisdiction }, { jurisdiction: { $like: `${filter.jurisdiction}/%` } }],
      });
    }
    return this.deps.em.find(PollEntity, where.length ? { $and: where } : {}, { orderBy, limit: page.limit });
  }

  /**
   * Who may see a poll's individual votes and its tallies while it is open: its opener, people and
   * ECP's services. Other agents see the result once it closes, so no voter is swayed by the votes
   * before its own.
   */
  mayReadVotes(poll: Poll): boolean {
    const { principal } = this.deps;
    return (
      principal.kind === 'service' ||
      poll.openedBy === principal.id ||
      hasRole(principal, 'ANALYST', 'OPERATOR', 'ADMIN')
    );
  }

  async votes(poll: Poll, page: KeysetPage): Promise<Vote[]> {
    if (!this.mayReadVotes(poll)) {
      throw new ForbiddenError('A poll’s votes are visible to its opener, analysts, operators and admins.');
    }
    const { where, orderBy } = timeIdKeyset('castAt', page, 'oldest-first');
    return this.deps.em.find(
      VoteEntity,
      { $and: [{ pollId: poll.id }, ...where] },
      { orderBy, limit: page.limit },
    );
  }

  async votesCast(poll: Poll): Promise<number> {
    return poll.result?.voteCount ?? this.deps.em.count(VoteEntity, { pollId: poll.id });
  }

  /** The tallies so far (the final ones once closed). Open polls: for those who may read its votes. */
  async tallies(poll: Poll): Promise<OptionTally[] | null> {
    if (poll.result) return poll.result.tallies;
    if (!this.mayReadVotes(poll)) return null;
    const votes = await this.deps.em.find(VoteEntity, { pollId: poll.id });
    return tally(
      poll.options.map((o) => o.id),
      poll.weighting,
      votes.map(talliedVote),
    );
  }

  /**
   * How far choosing `option` departs from the closed poll's weighted result: the Jensen–Shannon
   * divergence the divergence score's poll part uses (docs/scoring.md, "Divergence"). Null while the
   * poll is open or when no vote carries weight; BAD_USER_INPUT for an option the poll does not have.
   */
  divergenceOf(poll: Poll, option: string): number | null {
    const optionIds = poll.options.map((o) => o.id);
    if (!optionIds.includes(option)) {
      refuse('Unknown option', [
        { path: 'option', reason: `must be one of the poll's options (${optionIds.join(', ')})` },
      ]);
    }
    if (!poll.result) return null;
    const weights = Object.fromEntries(poll.result.tallies.map((t) => [t.option, t.weight]));
    return divergenceFromWeights(optionIds, option, weights);
  }
}

function assertOpen(poll: Poll): void {
  if (poll.status === 'CLOSED' || poll.closesAt.getTime() <= Date.now()) {
    throw new ConflictError(`Poll ${poll.id} is closed; votes are no longer accepted.`, [
      { path: 'input.pollId', reason: 'the poll is closed' },
    ]);
  }
}

function refuse(what: string, problems: Problem[]): void {
  if (problems.length > 0) {
    throw new BadUserInputError(
      `${what}: ${problems.map((p) => `${p.path} ${p.reason}`).join('; ')}.`,
      problems,
    );
  }
}
