import { jensenShannonDivergence, oneHot } from '@ecp/scoring/divergence';
import {
  FRICTION_FACTORS,
  type FrictionFactorName,
  type WeightSet,
  weightsVersionOf,
} from '../weights/weight-set';

/** The draft decision an agent asks about: what it would record. */
export interface FrictionDraft {
  jurisdiction: string;
  category: string;
  optionIds: readonly string[];
  chosenOption: string;
  confidence: number;
  /** Declared by the agent, in [0, 1]; undefined when not declared. */
  irreversibility?: number;
  impactScope?: number;
}

/**
 * What the score is computed from besides the draft, pinned when the assessment is made and stored
 * with it, so the same draft, evidence and weights always give the same score.
 */
export interface FrictionEvidence {
  /**
   * Earlier choices among the draft's options: of the precedents the draft cites (`CITED`), or else of
   * the jurisdiction's and category's decisions up to a ledger size (`HISTORY`).
   */
  precedent: { source: 'CITED' | 'HISTORY'; counts: Record<string, number>; beforeIndex?: string };
  /** The poll on the draft, when one is given: the weight on each option, and how many votes. */
  poll: { pollId: string; status: 'OPEN' | 'CLOSED'; votes: number; weights: Record<string, number> } | null;
  /**
   * The agent's calibration from the learning consortium, as a risk: 1 − its calibration weight
   * (a well-calibrated agent is a small risk). Null without reports, or when the consortium gave no answer.
   */
  trackRecord: { value: number; reports: number; brierScore: number | null; weight: number } | null;
  /**
   * The jurisdiction's risk from the jurisdiction tree (LSP), where one is set on its path; absent or
   * null: the weight set's. Older assessments have none.
   */
  jurisdictionRisk?: { value: number; definedAt: string; version: string } | null;
}

export interface FrictionFactor {
  name: FrictionFactorName;
  /** In [0, 1]: how much friction this factor alone would mean. */
  value: number;
  /** The weight it counted with (the set's, shared out when a factor does not apply). */
  weight: number;
  contribution: number;
  /** False when there was nothing to measure (no poll, no precedent): its weight went to the others. */
  applicable: boolean;
  explanation: string;
}

export interface FrictionScore {
  score: number;
  weightsVersion: string;
  factors: FrictionFactor[];
}

/** Neutral: what a factor is worth when the agent did not say or ECP does not know. */
const NEUTRAL = 0.5;

const fmt = (x: number) => String(Math.round(x * 1000) / 1000);

/**
 * The Friction Calculator: a weighted sum of factors in [0, 1], so the score is in [0, 1], rises with
 * every factor whose weight is positive, and depends on nothing but its arguments. A factor with
 * nothing to measure is shown with weight 0, and the weights of those that apply are scaled to sum
 * to 1 (docs/scoring.md, "Friction").
 */
export function scoreFriction(
  draft: FrictionDraft,
  evidence: FrictionEvidence,
  weights: WeightSet,
): FrictionScore {
  const measured = FRICTION_FACTORS.map((name) => measure(name, draft, evidence, weights));
  const applicableWeight = measured.reduce(
    (sum, m) => sum + (m.applicable ? weights.frictionWeights[m.name] : 0),
    0,
  );
  const factors = measured.map((m): FrictionFactor => {
    const weight =
      m.applicable && applicableWeight > 0 ? weights.frictionWeights[m.name] / applicableWeight : 0;
    return { ...m, weight, contribution: m.value * weight };
  });
  const score = Math.min(
    1,
    Math.max(
      0,
      factors.reduce((sum, f) => sum + f.contribution, 0),
    ),
  );
  return { score, weightsVersion: weightsVersionOf(weights), factors };
}

type Measured = Omit<FrictionFactor, 'weight' | 'contribution'>;

function measure(
  name: FrictionFactorName,
  draft: FrictionDraft,
  evidence: FrictionEvidence,
  weights: WeightSet,
): Measured {
  switch (name) {
    case 'precedentDivergence': {
      const { counts, source } = evidence.precedent;
      const distribution = draft.optionIds.map((o) => counts[o] ?? 0);
      const total = distribution.reduce((a, b) => a + b, 0);
      const where =
        source === 'CITED'
          ? 'the cited precedents'
          : `earlier ${draft.category} decisions in ${draft.jurisdiction}`;
      if (total === 0) {
        return {
          name,
          value: 0,
          applicable: false,
          explanation: `No precedent: none of ${where} chose among these options.`,
        };
      }
      const value = jensenShannonDivergence(distribution, oneHot(draft.optionIds, draft.chosenOption));
      const same = counts[draft.chosenOption] ?? 0;
      return {
        name,
        value,
        applicable: true,
        explanation: `${same} of ${total} of ${where} chose ${draft.chosenOption}; Jensen–Shannon divergence from them is ${fmt(value)}.`,
      };
    }
    case 'pollDissent': {
      const { poll } = evidence;
      if (!poll)
        return { name, value: 0, applicable: false, explanation: 'No poll was given for this draft.' };
      const total = Object.values(poll.weights).reduce((a, b) => a + b, 0);
      if (poll.votes === 0 || total === 0) {
        return {
          name,
          value: 0,
          applicable: false,
          explanation: `Poll ${poll.pollId} has no weighted votes yet.`,
        };
      }
      const share = (poll.weights[draft.chosenOption] ?? 0) / total;
      return {
        name,
        value: 1 - share,
        applicable: true,
        explanation: `${fmt((1 - share) * 100)}% of the poll's vote weight (${poll.votes} ${poll.status === 'OPEN' ? 'votes so far' : 'votes'}) is against ${draft.chosenOption}.`,
      };
    }
    case 'irreversibility':
    case 'impactScope': {
      const declared = draft[name];
      const what = name === 'irreversibility' ? 'irreversibility' : 'scope of impact';
      if (declared === undefined) {
        return {
          name,
          value: NEUTRAL,
          applicable: true,
          explanation: `No ${what} was declared; counted as neutral ${NEUTRAL}.`,
        };
      }
      return {
        name,
        value: declared,
        applicable: true,
        explanation: `The agent declared a ${what} of ${fmt(declared)}.`,
      };
    }
    case 'jurisdictionRisk': {
      const fromTree = evidence.jurisdictionRisk;
      if (fromTree) {
        return {
          name,
          value: fromTree.value,
          applicable: true,
          explanation: `The jurisdiction tree gives ${fromTree.definedAt === draft.jurisdiction ? draft.jurisdiction : `${draft.jurisdiction} (from ${fromTree.definedAt})`} a risk of ${fmt(fromTree.value)}.`,
        };
      }
      return {
        name,
        value: weights.riskWeight,
        applicable: true,
        explanation: `Weight set ${weightsVersionOf(weights)} gives ${draft.jurisdiction} a risk of ${fmt(weights.riskWeight)}.`,
      };
    }
    case 'trackRecord': {
      const { trackRecord } = evidence;
      if (!trackRecord) {
        return {
          name,
          value: NEUTRAL,
          applicable: true,
          explanation: `No calibration is known for this agent yet; counted as neutral ${NEUTRAL}.`,
        };
      }
      return {
        name,
        value: trackRecord.value,
        applicable: true,
        explanation: `The agent's calibration over ${trackRecord.reports} reports (Brier score ${trackRecord.brierScore === null ? 'n/a' : fmt(trackRecord.brierScore)}, weight ${fmt(trackRecord.weight)}) puts its track-record risk at ${fmt(trackRecord.value)}.`,
      };
    }
  }
}
