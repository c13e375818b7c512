import { canonicalBytes } from '@ecp/ledger-format/canonical-json';
import {
  type DecisionAdvice,
  type DecisionBody,
  decisionSigningMessage,
} from '@ecp/ledger-format/decision-entry';
import { decisionBodyOf } from '@ecp/ledger-format/decision-input';
import { type VoteStatement, voteSigningMessage } from '@ecp/ledger-format/vote-signature';
import { toHex } from '@ecp/merkle/hash';
import { hmac } from '@noble/hashes/hmac';
import { sha256 } from '@noble/hashes/sha2';
import type { FrictionInput, RecordDecisionInput } from './generated/operations';
import type { SigningKey } from './signing-key';

/** A decision before it is recorded: what the agent chose, among what, why, and how sure it is. */
export interface DecisionDraft {
  jurisdiction: string;
  category: string;
  /** The situation decided in: any JSON object (seen by the agent and by people only). */
  context: Record<string, unknown>;
  options: readonly { id: string; description?: string }[];
  chosenOption: string;
  rationale: string;
  /** In [0, 1]. */
  confidence: number;
  /** SHA-256 digests (lowercase hex) of the inputs decided on, by name. */
  inputDigests?: readonly { name: string; digest: string }[];
  /** Earlier ledger entries cited, by index and leaf hash. */
  precedents?: readonly { index: string; leafHash: string }[];
  tags?: readonly string[];
  /** For friction: how hard the decision is to undo, in [0, 1]. Not recorded. */
  irreversibility?: number;
  /** For friction: how far its effects reach, in [0, 1]. Not recorded. */
  impactScope?: number;
}

/** Advice a decision names: the results of `assessFriction`, `openPoll`/`poll` and `recommendation` themselves, or their ids. */
export type AdviceRef =
  | { frictionAssessmentId?: string | null; pollId?: string | null; lessonVersion?: string | null }
  | { id: string; weightsVersion: string }
  | { id: string; votesCast: number }
  | { lessonVersion: string; options: readonly unknown[] };

/** The ids the advice names, merged over every reference given (a later one wins for the same kind). */
export function adviceOf(refs: AdviceRef | readonly AdviceRef[] | undefined): DecisionAdvice {
  const advice: DecisionAdvice = {};
  for (const ref of refs === undefined ? [] : Array.isArray(refs) ? refs : [refs as AdviceRef]) {
    if ('weightsVersion' in ref) advice.frictionAssessmentId = ref.id;
    else if ('votesCast' in ref) advice.pollId = ref.id;
    else if ('options' in ref) advice.lessonVersion = ref.lessonVersion;
    else {
      const ids = ref as {
        frictionAssessmentId?: string | null;
        pollId?: string | null;
        lessonVersion?: string | null;
      };
      if (ids.frictionAssessmentId != null) advice.frictionAssessmentId = ids.frictionAssessmentId;
      if (ids.pollId != null) advice.pollId = ids.pollId;
      if (ids.lessonVersion != null) advice.lessonVersion = ids.lessonVersion;
    }
  }
  return advice;
}

/** The prefix of idempotency keys the client derives, so they are told apart from keys an agent chose. */
export const DERIVED_KEY_PREFIX = 'draft-hmac:';

const encoder = new TextEncoder();

/**
 * The secret an agent's derived idempotency keys are keyed with, from something only the agent holds
 * and that stays the same across its restarts: its signing key's seed, else its API key. Keyed, because
 * a decision's idempotency key is shown to every caller while its context is shown to its agent and
 * people only: an unkeyed hash of the body would let anyone test guesses of the context against it.
 */
export function idempotencySecret(material: Uint8Array | string | SigningKey): Uint8Array {
  if (typeof material === 'object' && 'derive' in material) return material.derive(IDEMPOTENCY_PURPOSE);
  const bytes = typeof material === 'string' ? encoder.encode(material) : material;
  return hmac(sha256, encoder.encode(IDEMPOTENCY_PURPOSE), bytes);
}

const IDEMPOTENCY_PURPOSE = 'ecp.agent-sdk.idempotency/v1';

/**
 * The idempotency key of a draft when the caller gives none: HMAC-SHA-256, under the agent's
 * `idempotencySecret`, of the RFC 8785 canonical form of the body the ledger would record with an empty
 * key (the advice included). The same draft always gives the same key, so a retry, a restart or a
 * second process recording it again is answered with the first record (`replayed: true`) instead of a
 * second entry. To record an identical decision again on purpose, give it a key of your own.
 */
export function draftIdempotencyKey(
  draft: DecisionDraft,
  advice: DecisionAdvice,
  secret: Uint8Array,
): string {
  const body = decisionBodyOf({ ...draftInput(draft), advice, idempotencyKey: '' });
  return `${DERIVED_KEY_PREFIX}${toHex(hmac(sha256, secret, canonicalBytes(body)))}`;
}

function draftInput(draft: DecisionDraft) {
  return {
    jurisdiction: draft.jurisdiction,
    category: draft.category,
    context: draft.context,
    options: draft.options,
    chosenOption: draft.chosenOption,
    rationale: draft.rationale,
    confidence: draft.confidence,
    inputDigests: draft.inputDigests,
    precedents: draft.precedents,
    tags: draft.tags,
  };
}

/**
 * The `recordDecision` input for a draft: the body the ledger will build from it (the shared
 * `decisionBodyOf`), and, with a key, its signature over `decisionSigningMessage` — the exact bytes
 * the ledger verifies.
 */
export function recordDecisionInput(
  draft: DecisionDraft,
  advice: DecisionAdvice,
  idempotencyKey: string,
  signer?: { agentId: string; keyId: string; key: SigningKey },
): { input: RecordDecisionInput; body: DecisionBody } {
  const body = decisionBodyOf({ ...draftInput(draft), advice, idempotencyKey });
  const input: RecordDecisionInput = {
    jurisdiction: body.jurisdiction,
    category: body.category,
    context: body.context,
    options: body.options,
    chosenOption: body.chosenOption,
    rationale: body.rationale,
    confidence: body.confidence,
    inputDigests: body.inputDigests.map((d) => ({ name: d.name, digest: d.digest })),
    precedents: body.precedents,
    tags: body.tags,
    advice: body.advice,
    idempotencyKey: body.idempotencyKey,
  };
  if (signer) {
    input.signature = {
      keyId: signer.keyId,
      value: signer.key.sign(decisionSigningMessage(signer.agentId, body)),
    };
  }
  return { input, body };
}

/** The `assessFriction` input for a draft: the same options and choice the decision will record. */
export function frictionInput(draft: DecisionDraft, pollId?: string): FrictionInput {
  return {
    jurisdiction: draft.jurisdiction,
    category: draft.category,
    options: draft.options.map((o) => ({ id: o.id, description: o.description ?? '' })),
    chosenOption: draft.chosenOption,
    confidence: draft.confidence,
    irreversibility: draft.irreversibility,
    impactScope: draft.impactScope,
    precedents: draft.precedents?.map((p) => ({ index: p.index, leafHash: p.leafHash })),
    pollId,
  };
}

/** A vote as the agent casts it. */
export interface VoteDraft {
  pollId: string;
  option: string;
  /** In [0, 1]. */
  confidence: number;
  rationale?: string;
}

/** The vote's signature over `voteSigningMessage` (the bytes the advisory subgraph verifies). */
export function signVote(vote: VoteDraft, agentId: string, key: SigningKey): string {
  const statement: VoteStatement = {
    pollId: vote.pollId,
    agentId,
    option: vote.option,
    confidence: vote.confidence,
    rationale: vote.rationale ?? '',
  };
  return key.sign(voteSigningMessage(statement));
}
