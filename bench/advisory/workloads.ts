/**
 * What the advisory benchmark's callers send: varied drafts and decisions from many agents, as real
 * agents would (several jurisdictions and categories, 2–4 options, declared factors, some with a
 * poll), never one request repeated.
 */
import { type DecisionDraft, recordDecisionInput } from '@ecp/agent-sdk';

export interface Caller {
  id: string;
  key: string;
  jurisdiction: string;
}

export const CATEGORIES = ['pricing', 'credit', 'routing', 'hiring', 'refunds'];
const OPTION_SETS = [
  ['approve', 'decline'],
  ['raise', 'hold', 'cut'],
  ['a', 'b', 'c', 'd'],
];

/** A small deterministic generator, so runs are comparable. */
export function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = Math.imul(s ^ (s >>> 15), 1 | s);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const pick = <T>(r: () => number, list: readonly T[]): T => list[Math.floor(r() * list.length)]!;

export function draftInput(r: () => number, caller: Caller) {
  const options = pick(r, OPTION_SETS);
  return {
    jurisdiction: caller.jurisdiction,
    category: pick(r, CATEGORIES),
    options: options.map((id) => ({ id })),
    chosenOption: pick(r, options),
    confidence: Math.round(r() * 100) / 100,
    ...(r() < 0.7 ? { irreversibility: Math.round(r() * 100) / 100 } : {}),
    ...(r() < 0.7 ? { impactScope: Math.round(r() * 100) / 100 } : {}),
  };
}

/** A decision to record, with a key of its own (never one derived from the draft: every one appends). */
export function decisionDraft(
  r: () => number,
  caller: Caller,
  n: number,
): { draft: DecisionDraft; idempotencyKey: string } {
  const { irreversibility: _i, impactScope: _s, ...choice } = draftInput(r, caller);
  return {
    draft: {
      ...choice,
      context: { case: n, amount: Math.round(r() * 10_000) },
      rationale: `bench decision ${n}`,
    },
    idempotencyKey: `bench-${process.pid}-${n}-${Math.floor(r() * 1e9)}`,
  };
}

/** The next decision's recordDecision input, built by the agent SDK (unsigned). */
export function decisionInput(r: () => number, caller: Caller, n: number) {
  const { draft, idempotencyKey } = decisionDraft(r, caller, n);
  return recordDecisionInput(draft, {}, idempotencyKey).input;
}

export const ASSESS_FRICTION =
  'mutation ($input: FrictionInput!) { assessFriction(input: $input) { id score weightsVersion } }';
export const RECORD_DECISION =
  'mutation ($input: RecordDecisionInput!) { recordDecision(input: $input) { decision { id } } }';
export const CAST_VOTE = 'mutation ($input: CastVoteInput!) { castVote(input: $input) { id } }';
export const READ_AGENT = 'query ($id: ID!) { agent(id: $id) { id name jurisdictions } }';
