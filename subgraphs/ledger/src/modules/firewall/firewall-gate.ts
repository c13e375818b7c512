import type { DecisionBody } from '@ecp/ledger-format/decision-entry';
import type { ConfirmedAdvice } from '../ledger/advice-checker';
import type { FirewallAdvice, FirewallCall } from './firewall-advice';
import { decideGate, type GateVerdict } from './gate';

/** The gate's verdict on a draft and what it learned on the way, kept with a held proposal. */
export interface GateResult {
  verdict: GateVerdict;
  /** The assessment the friction score is from: the cited one, or the one the firewall asked for. */
  frictionAssessmentId: string | null;
  policyVersion: string | null;
}

/** A part of the gate's inputs, or why it could not be obtained (in words for the agent, no internals). */
async function orUnavailable<T>(
  part: Promise<T>,
  what: string,
  call: FirewallCall,
): Promise<T | { unavailable: string }> {
  try {
    return await part;
  } catch (err) {
    call.logger.warn({ err }, `firewall: ${what} unavailable`);
    const code = (err as { code?: unknown } | null)?.code;
    return { unavailable: `${what} did not answer${typeof code === 'string' ? ` (${code})` : ''}` };
  }
}

/**
 * Decides COMMIT or HOLD for a decision valid in every other way, before anything binds: asks, at
 * once, for the jurisdiction's policy, the draft's friction (the cited assessment's score, else a
 * new assessment) and the divergence from a cited closed poll, then applies `decideGate`. A part that
 * cannot be obtained holds the decision; nothing here refuses it.
 */
export class FirewallGate {
  constructor(private readonly advice: FirewallAdvice) {}

  /** The best option of the lesson version a decision names; undefined when the consortium has no such version. */
  bestOption(body: DecisionBody, lessonVersion: string, call: FirewallCall): Promise<string | undefined> {
    return this.advice.bestOption(body, lessonVersion, call);
  }

  async evaluate(body: DecisionBody, confirmed: ConfirmedAdvice, call: FirewallCall): Promise<GateResult> {
    const cited = body.advice.frictionAssessmentId;
    const [policy, friction, divergence] = await Promise.all([
      orUnavailable(
        this.advice.policy(body.jurisdiction, call),
        'the learning consortium (jurisdiction policy)',
        call,
      ),
      orUnavailable(
        cited
          ? confirmed.frictionScore !== undefined
            ? Promise.resolve({ assessmentId: cited, score: confirmed.frictionScore })
            : this.advice.frictionScore(cited, call).then((score) => ({ assessmentId: cited, score }))
          : this.advice.assessFriction(body, call),
        'advisory (friction)',
        call,
      ),
      body.advice.pollId
        ? orUnavailable(
            this.advice.divergence(body.advice.pollId, body.chosenOption, call),
            'advisory (poll divergence)',
            call,
          )
        : undefined,
    ]);
    const verdict = decideGate({
      category: body.category,
      policy,
      friction,
      ...(divergence !== undefined ? { divergence } : {}),
    });
    return {
      verdict,
      frictionAssessmentId: 'assessmentId' in friction ? friction.assessmentId : null,
      policyVersion: 'version' in policy ? policy.version : null,
    };
  }
}
