import { randomUUID } from 'node:crypto';

/**
 * Valid inputs for the API, for tests to start from and change what they test. One place, so a rule
 * that tightens what is valid changes the fixtures once rather than every test file.
 */

/** A `RegisterAgentInput`: an agent acting in `EU` (an agent must act in at least one jurisdiction). */
export function agentInput(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return { name: 'agent', jurisdictions: ['EU'], ...overrides };
}

/** A `RecordDecisionInput` in `EU/DE` with two options, a fresh idempotency key and a small context. */
export function decisionInput<O extends Record<string, unknown> = Record<never, never>>(
  overrides?: O,
): Omit<DecisionInputFixture, keyof O> & O {
  return { ...validDecision(), ...overrides } as unknown as Omit<DecisionInputFixture, keyof O> & O;
}

export type DecisionInputFixture = ReturnType<typeof validDecision>;

function validDecision() {
  return {
    jurisdiction: 'EU/DE',
    category: 'pricing',
    context: { sku: 'A-1', demand: 'high' } as Record<string, unknown>,
    options: [
      { id: 'raise', description: 'Raise 5%' },
      { id: 'hold', description: 'Keep' },
    ],
    chosenOption: 'raise',
    rationale: 'Demand exceeds supply.',
    confidence: 0.8,
    idempotencyKey: randomUUID() as string,
  };
}

/**
 * A `DefineLiabilityRulesInput` for `EU/DE` whose shares can sum to 1: base 0.5 : 0.5, takes 0.4
 * (approvers), 0.05 (consortium), 0.5 (break glass) — 0.95 together.
 */
export function liabilityRulesInput(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    jurisdiction: 'EU/DE',
    base: { agent: '0.5', organisation: '0.5' },
    takes: { approvers: '0.4', consortium: '0.05', breakGlass: '0.5' },
    withoutOrganisation: 'AGENT',
    ...overrides,
  };
}
