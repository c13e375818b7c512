import { isUuid } from '@ecp/db/ids';
import { BadUserInputError, ForbiddenError } from '@ecp/errors/errors';
import { fleissKappa, krippendorffAlphaNominal } from '@ecp/scoring/agreement';
import type { EntityManager } from '@mikro-orm/postgresql';
import { sameOptions } from '../drafts';
import { PollEntity } from '../polls/poll.entity';
import type { PollService } from '../polls/poll.service';
import { VoteEntity } from '../votes/vote.entity';

export interface Agreement {
  krippendorffAlpha: number | null;
  krippendorffAlphaUnavailableReason: string | null;
  fleissKappa: number | null;
  fleissKappaUnavailableReason: string | null;
  polls: number;
  voters: number;
  pairableVotes: number;
}

/** Most polls one agreement may span. */
export const MAX_AGREEMENT_POLLS = 500;

/**
 * Agreement across polls, treating each poll as a unit and each vote as one rater's value:
 * Krippendorff's alpha (nominal; voters who did not vote in a poll are missing values) and, when
 * every poll had the same number of votes over the same options, Fleiss' kappa (docs/scoring.md).
 */
export class AgreementService {
  constructor(private readonly deps: { em: EntityManager; polls: PollService }) {}

  async across(pollIds: readonly string[]): Promise<Agreement> {
    const problems = pollIds.flatMap((id, i) =>
      isUuid(id) ? [] : [{ path: `pollIds.${i}`, reason: 'must be a poll id' }],
    );
    if (pollIds.length < 1 || pollIds.length > MAX_AGREEMENT_POLLS) {
      problems.push({ path: 'pollIds', reason: `must name 1 to ${MAX_AGREEMENT_POLLS} polls` });
    }
    if (new Set(pollIds).size !== pollIds.length)
      problems.push({ path: 'pollIds', reason: 'each poll may be named once' });
    // Read once: what is found answers both whether every poll exists and what they hold.
    const polls =
      problems.length === 0 ? await this.deps.em.find(PollEntity, { id: { $in: [...pollIds] } }) : [];
    if (problems.length === 0) {
      const found = new Set(polls.map((p) => p.id));
      pollIds.forEach((id, i) => {
        if (!found.has(id)) problems.push({ path: `pollIds.${i}`, reason: `no poll has id ${id}` });
      });
    }
    if (problems.length > 0) {
      throw new BadUserInputError(
        `Invalid polls: ${problems.map((p) => `${p.path} ${p.reason}`).join('; ')}.`,
        problems,
      );
    }
    for (const poll of polls) {
      // Agreement over an open poll would tell its votes to those who may not see them yet.
      if (poll.status === 'OPEN' && !this.deps.polls.mayReadVotes(poll)) {
        throw new ForbiddenError(
          `Poll ${poll.id} is open: agreement over it is for its opener and people until it closes.`,
        );
      }
    }
    const votes = await this.deps.em.find(VoteEntity, { pollId: { $in: [...pollIds] } });
    const units = polls.map((p) => votes.filter((v) => v.pollId === p.id).map((v) => v.option));
    const alpha = krippendorffAlphaNominal(units);
    const firstOptions = polls[0]!.options.map((o) => o.id);
    const kappa = polls.every((p) =>
      sameOptions(
        p.options.map((o) => o.id),
        firstOptions,
      ),
    )
      ? fleissKappa(units, firstOptions)
      : { kappa: null, reason: 'the polls do not all have the same options' };
    return {
      krippendorffAlpha: alpha.alpha,
      krippendorffAlphaUnavailableReason: alpha.alpha === null ? (alpha.reason ?? null) : null,
      fleissKappa: kappa.kappa,
      fleissKappaUnavailableReason: kappa.kappa === null ? (kappa.reason ?? null) : null,
      polls: polls.length,
      voters: new Set(votes.map((v) => v.agentId)).size,
      pairableVotes: alpha.pairableValues,
    };
  }
}
