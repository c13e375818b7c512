import type { DecisionAdvice, DecisionBody } from './decision-entry';

/**
 * A decision as an agent sends it to `recordDecision` (the GraphQL `RecordDecisionInput` without its
 * signature), before any validation: optional lists may be left out and advice ids may be numbers.
 */
export interface DecisionInput {
  jurisdiction: string;
  category: string;
  context: Record<string, unknown>;
  options: readonly { id: string; description?: string | null }[];
  chosenOption: string;
  rationale: string;
  confidence: number;
  inputDigests?: readonly { name: string; digest: string }[] | null;
  precedents?: readonly { index: string; leafHash: string }[] | null;
  tags?: readonly string[] | null;
  advice?: {
    frictionAssessmentId?: string | number | null;
    pollId?: string | number | null;
    lessonVersion?: string | null;
  } | null;
  idempotencyKey: string;
}

/**
 * The body the ledger records (and the agent signs) for an input: the one mapping from what is sent to
 * what is kept, used by the ledger when it records and by the agent SDK when it signs, so the two can
 * never disagree by a byte. Left-out lists become `[]`, a left-out description `""`, advice keeps only
 * the ids named (`{}` for none), and every digest is `sha-256`.
 */
export function decisionBodyOf(input: DecisionInput): DecisionBody {
  return {
    jurisdiction: input.jurisdiction,
    category: input.category,
    context: input.context,
    options: input.options.map((o) => ({ id: o.id, description: o.description ?? '' })),
    chosenOption: input.chosenOption,
    rationale: input.rationale,
    confidence: input.confidence,
    inputDigests: (input.inputDigests ?? []).map((d) => ({
      name: d.name,
      algorithm: 'sha-256' as const,
      digest: d.digest,
    })),
    precedents: (input.precedents ?? []).map((p) => ({ index: p.index, leafHash: p.leafHash })),
    tags: [...(input.tags ?? [])],
    advice: adviceOf(input.advice),
    idempotencyKey: input.idempotencyKey,
  };
}

function adviceOf(advice: DecisionInput['advice']): DecisionAdvice {
  const kept: DecisionAdvice = {};
  if (advice?.frictionAssessmentId != null) kept.frictionAssessmentId = String(advice.frictionAssessmentId);
  if (advice?.pollId != null) kept.pollId = String(advice.pollId);
  if (advice?.lessonVersion != null) kept.lessonVersion = advice.lessonVersion;
  return kept;
}
