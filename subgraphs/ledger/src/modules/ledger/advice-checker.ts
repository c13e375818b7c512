import type { Principal } from '@ecp/identity/principal';
import type { DecisionAdvice, DecisionBody } from '@ecp/ledger-format/decision-entry';
import type { Logger } from '@ecp/logging/logger';

/** One thing wrong with the advice a decision names: where in the input (`input.advice.pollId`), and why. */
export interface AdviceProblem {
  path: string;
  reason: string;
}

/**
 * Checks the advice a decision names against the subgraph that gave it. Asked by `recordDecision` only
 * when `body.advice` names an id, once everything else about the decision has been checked, and before
 * it is appended. Any problem refuses the decision with INVALID_ADVICE; a checker that cannot get an
 * answer throws (a `SubgraphUnavailableError`, say), which refuses it as well. Either way nothing is
 * appended.
 */
export interface AdviceChecker {
  /** Problems with the advice named in `body.advice` for this agent's draft; empty when it belongs. */
  check(request: {
    agentId: string;
    body: DecisionBody;
    principal: Principal;
    requestId: string;
    logger: Logger;
    /**
     * Where a checker puts what it read of the advice beside confirming it (the cited assessment's
     * score), so that the firewall need not ask the advisory subgraph again.
     */
    confirmed?: ConfirmedAdvice;
  }): Promise<AdviceProblem[]>;
}

/** What the advice check read of the advice it confirmed. */
export interface ConfirmedAdvice {
  /** The score of the friction assessment the decision cites. */
  frictionScore?: number;
}

/** The ids `advice` names, each with the input path a problem with it is reported at. */
export function namedAdvice(
  advice: DecisionAdvice,
): { path: string; field: keyof DecisionAdvice; id: string }[] {
  const named: { path: string; field: keyof DecisionAdvice; id: string }[] = [];
  for (const field of ['frictionAssessmentId', 'pollId'] as const) {
    const id = advice[field];
    if (id !== undefined) named.push({ path: `input.advice.${field}`, field, id });
  }
  return named;
}

/**
 * The checker of a ledger that has no advisory service to ask: every id named is a problem, so that a
 * decision never records advice nobody confirmed. Decisions that name no advice are not affected.
 */
export const refuseAllAdvice: AdviceChecker = {
  async check({ body }) {
    return namedAdvice(body.advice).map(({ path }) => ({
      path,
      reason: 'no advisory service is configured to check it',
    }));
  },
};
