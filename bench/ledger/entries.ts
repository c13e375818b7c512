import { randomUUID } from 'node:crypto';
import { type DecisionDraft, recordDecisionInput } from '@ecp/agent-sdk';
import { type EntryKind, serviceIdempotency } from '@ecp/subgraph-ledger/bench/entry-kind';
import type { AppendRequest } from '@ecp/subgraph-ledger/bench/ledger-log';

/** The kind of the entries the service-level runs append. */
export const BENCH_KIND = 'ecp.bench/v1';

/** Appended as they are, projecting nothing: the append path itself is what is measured. */
const BENCH: EntryKind = {
  kind: BENCH_KIND,
  appendedBy: 'service',
  idempotency: serviceIdempotency,
  project: async () => [],
};

const AGENT_ID = '0191f3a2-6c1e-7c4b-9a57-3d2f1e0b8c41';

/**
 * An entry shaped and sized like a recorded decision (about 600 bytes of canonical JSON): who decided
 * what, among which options, why, with which confidence and inputs.
 */
export function benchEntry(n: number, recordedAt: string): object {
  return {
    kind: BENCH_KIND,
    n,
    recordedAt,
    decisionId: randomUUID(),
    agentId: AGENT_ID,
    body: {
      jurisdiction: 'EU/DE',
      category: 'pricing',
      context: { sku: `A-${n % 100_000}`, region: 'eu-central', stock: 1200 + (n % 97), demandIndex: 1.18 },
      options: [
        { id: 'raise', description: 'Raise the list price by 5 %' },
        { id: 'hold', description: 'Keep the current list price' },
      ],
      chosenOption: 'raise',
      rationale: 'Demand has exceeded supply for three weeks; competitors raised prices.',
      confidence: 0.7,
      inputDigests: [],
      precedents: [],
      idempotencyKey: `bench-${n}`,
    },
  };
}

let counter = 0;

/** A fresh append request for the next bench entry. */
export function benchRequest(): AppendRequest {
  const n = counter++;
  return { kind: BENCH, entry: (recordedAt) => benchEntry(n, recordedAt), projection: undefined };
}

/** A decision of the same shape, as an agent drafts it. */
export function decisionDraft(n: number): DecisionDraft {
  return {
    jurisdiction: 'EU/DE',
    category: 'pricing',
    context: { sku: `A-${n % 100_000}`, region: 'eu-central', stock: 1200 + (n % 97), demandIndex: 1.18 },
    options: [
      { id: 'raise', description: 'Raise the list price by 5 %' },
      { id: 'hold', description: 'Keep the current list price' },
    ],
    chosenOption: 'raise',
    rationale: 'Demand has exceeded supply for three weeks; competitors raised prices.',
    confidence: 0.7,
  };
}

/**
 * Its recordDecision input, built by the agent SDK (unsigned), unique by its idempotency key: a key
 * of its own rather than one derived from the draft, so that every request appends.
 */
export function decisionInput(n: number) {
  return recordDecisionInput(decisionDraft(n), {}, randomUUID()).input;
}
