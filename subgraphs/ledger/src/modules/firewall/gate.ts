import type { JurisdictionPolicy } from './firewall-advice';

/** Why the firewall held a decision: a stable code and a sentence for the agent and the operator. */
export interface HoldReason {
  code: HoldReasonCode;
  message: string;
}

export const HOLD_REASON_CODES = [
  'FRICTION_ABOVE_THRESHOLD',
  'DIVERGENCE_ABOVE_THRESHOLD',
  'CATEGORY_REQUIRES_APPROVAL',
  'ADVICE_UNAVAILABLE',
  'POLICY_UNAVAILABLE',
] as const;
export type HoldReasonCode = (typeof HOLD_REASON_CODES)[number];

/** What the gate decides on; a part it could not obtain is `unavailable` (with why). */
export interface GateInputs {
  category: string;
  policy: JurisdictionPolicy | { unavailable: string };
  friction: { score: number; assessmentId: string } | { unavailable: string };
  /** Absent when the decision cites no poll; null when the cited poll is not closed. */
  divergence?: number | null | { unavailable: string };
}

export interface GateVerdict {
  outcome: 'COMMIT' | 'HOLD';
  /** Every reason that applies, in the order of `HOLD_REASON_CODES`; empty for COMMIT. */
  reasons: HoldReason[];
  /** M: the distinct approvers a held decision needs (the policy's rule for the category, else 1). */
  approvalsNeeded: number;
}

const unavailable = (x: unknown): x is { unavailable: string } =>
  typeof x === 'object' && x !== null && 'unavailable' in x;

/**
 * The Liability Firewall's rule, pure: HOLD when the friction score is above the jurisdiction's
 * threshold, when the divergence from a cited closed poll is above its threshold, when the category
 * requires a person, or when the policy or the advice could not be obtained (it never commits blind);
 * otherwise COMMIT. Thresholds are strict: a score equal to the threshold passes.
 */
export function decideGate(inputs: GateInputs): GateVerdict {
  const reasons: HoldReason[] = [];
  const { policy, friction, divergence } = inputs;
  const known = unavailable(policy) ? null : policy;
  if (!known) {
    reasons.push({
      code: 'POLICY_UNAVAILABLE',
      message: `The jurisdiction's firewall policy could not be obtained (${(policy as { unavailable: string }).unavailable}); a person must review the decision.`,
    });
  }
  if (unavailable(friction) || unavailable(divergence)) {
    const why = [friction, divergence].filter(unavailable).map((x) => x.unavailable);
    reasons.push({
      code: 'ADVICE_UNAVAILABLE',
      message: `Advice on the decision could not be obtained (${why.join('; ')}); a person must review it.`,
    });
  }
  if (known && !unavailable(friction) && friction.score > known.frictionThreshold) {
    reasons.push({
      code: 'FRICTION_ABOVE_THRESHOLD',
      message: `Friction ${friction.score.toFixed(3)} is above ${known.code}'s threshold ${known.frictionThreshold}.`,
    });
  }
  if (known && typeof divergence === 'number' && divergence > known.divergenceThreshold) {
    reasons.push({
      code: 'DIVERGENCE_ABOVE_THRESHOLD',
      message: `Divergence ${divergence.toFixed(3)} from the cited poll is above ${known.code}'s threshold ${known.divergenceThreshold}.`,
    });
  }
  if (known?.categoriesRequiringApproval.includes(inputs.category)) {
    reasons.push({
      code: 'CATEGORY_REQUIRES_APPROVAL',
      message: `Decisions of category ${inputs.category} in ${known.code} need a person's approval.`,
    });
  }
  const order = (r: HoldReason) => HOLD_REASON_CODES.indexOf(r.code);
  reasons.sort((a, b) => order(a) - order(b));
  const rule = known?.approvalRules.find((r) => r.category === inputs.category);
  return {
    outcome: reasons.length > 0 ? 'HOLD' : 'COMMIT',
    reasons,
    approvalsNeeded: Math.min(10, Math.max(1, rule?.approvers ?? 1)),
  };
}
