import { RemoteError } from '@ecp/service-kit/service-call-errors';
import type { ServiceDirectory } from '@ecp/service-kit/service-directory';
import { defineOperation } from '@ecp/service-kit/service-operation';
import { type AdviceChecker, type AdviceProblem, namedAdvice } from './advice-checker';

/** What the ledger asks the advisory subgraph of a friction assessment a decision cites. */
const FRICTION_OF_DRAFT = defineOperation<
  {
    frictionAssessment: {
      agentId: string;
      jurisdiction: string;
      category: string;
      optionIds: string[];
      score: number;
    } | null;
  },
  { id: string }
>(`
  query LedgerAdviceFriction($id: ID!) {
    frictionAssessment(id: $id) { agentId jurisdiction category optionIds score }
  }
`);

/** What the ledger asks of a poll a decision cites. */
const POLL_OF_DRAFT = defineOperation<
  { poll: { openedBy: string; jurisdiction: string; category: string | null; optionIds: string[] } | null },
  { id: string }
>(`
  query LedgerAdvicePoll($id: ID!) {
    poll(id: $id) { openedBy jurisdiction category optionIds }
  }
`);

const sameSet = (a: readonly string[], b: readonly string[]) =>
  a.length === b.length && a.every((x) => b.includes(x));

/**
 * Confirms the advice a decision names with the advisory subgraph: each id must exist and be advice on
 * this draft — made for (friction) or opened by (poll) the deciding agent, in the same jurisdiction,
 * about the same category (when the poll names one) and over the same options. When the advisory
 * subgraph gives no answer, the decision is refused with SERVICE_UNAVAILABLE: unconfirmed advice is
 * never recorded (the agent may retry, or record without it).
 */
export function advisoryAdviceChecker(services: ServiceDirectory): AdviceChecker {
  return {
    async check({ agentId, body, principal, requestId, logger, confirmed }) {
      const advisory = services.client('advisory');
      const options = { actingFor: principal, requestId, logger };
      const optionIds = body.options.map((o) => o.id);
      const problems: AdviceProblem[] = [];
      const absent = (err: unknown) => err instanceof RemoteError && err.code === 'NOT_FOUND';
      await Promise.all(
        namedAdvice(body.advice).map(async ({ path, field, id }) => {
          try {
            if (field === 'frictionAssessmentId') {
              const { frictionAssessment: a } = await advisory.request(FRICTION_OF_DRAFT, { id }, options);
              if (!a) return void problems.push({ path, reason: `no friction assessment has id ${id}` });
              if (a.agentId !== agentId)
                return void problems.push({ path, reason: 'the assessment was made for another agent' });
              if (
                a.jurisdiction !== body.jurisdiction ||
                a.category !== body.category ||
                !sameSet(a.optionIds, optionIds)
              ) {
                problems.push({
                  path,
                  reason: 'the assessment was of another draft (jurisdiction, category or options differ)',
                });
              } else if (confirmed) {
                // The firewall reads the score from this same answer rather than asking again.
                confirmed.frictionScore = a.score;
              }
            } else {
              const { poll } = await advisory.request(POLL_OF_DRAFT, { id }, options);
              if (!poll) return void problems.push({ path, reason: `no poll has id ${id}` });
              if (poll.openedBy !== agentId)
                return void problems.push({ path, reason: 'the poll was opened by another agent' });
              if (
                poll.jurisdiction !== body.jurisdiction ||
                (poll.category !== null && poll.category !== body.category) ||
                !sameSet(poll.optionIds, optionIds)
              ) {
                problems.push({
                  path,
                  reason: 'the poll was on another draft (jurisdiction, category or options differ)',
                });
              }
            }
          } catch (err) {
            if (!absent(err)) throw err;
            problems.push({
              path,
              reason: `no ${field === 'pollId' ? 'poll' : 'friction assessment'} has id ${id}`,
            });
          }
        }),
      );
      return problems.sort((a, b) => (a.path < b.path ? -1 : 1));
    },
  };
}
