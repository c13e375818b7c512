/** The decision stream's rows: merged from queries and live payloads, newest first, bounded. */

/** At most this many decisions are kept in the page (and in the DOM). */
export const MAX_STREAM_ROWS = 200;

/** What the stream shows of a decision. */
export interface StreamDecision {
  id: string;
  ledgerIndex: string | null;
  recordedAt: string;
  jurisdiction: string;
  category: string;
  chosenOption: string;
  confidence: number;
  rationale: string;
  tags: string[];
  agent: { id: string; name: string };
}

export const STREAM_DECISION_FIELDS =
  'id ledgerIndex recordedAt jurisdiction category chosenOption confidence rationale tags agent { id name }';

/** Ledger order: a committed decision's index; one without sorts by when it was recorded. */
function order(d: StreamDecision): bigint {
  return d.ledgerIndex === null ? -1n : BigInt(d.ledgerIndex);
}

/**
 * `rows` with `incoming` merged in: each decision once (a replay after a resume may repeat some, the
 * newer copy wins), newest first by ledger index, at most `max`.
 */
export function mergeDecisions(
  rows: readonly StreamDecision[],
  incoming: readonly StreamDecision[],
  max = MAX_STREAM_ROWS,
): StreamDecision[] {
  if (incoming.length === 0) return rows as StreamDecision[];
  const byId = new Map(rows.map((d) => [d.id, d]));
  for (const d of incoming) byId.set(d.id, d);
  return [...byId.values()]
    .sort((a, b) => {
      const diff = order(b) - order(a);
      if (diff !== 0n) return diff > 0n ? 1 : -1;
      return b.recordedAt.localeCompare(a.recordedAt);
    })
    .slice(0, max);
}

/** The newest ledger index shown, to fetch what came after it. */
export function newestIndex(rows: readonly StreamDecision[]): string | null {
  return rows.find((d) => d.ledgerIndex !== null)?.ledgerIndex ?? null;
}

/** The stream's filter, as `DecisionFilter` takes it (empty fields left out). */
export interface StreamFilter {
  jurisdiction: string;
  category: string;
  agentId: string;
}

export function decisionFilter(filter: StreamFilter): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(filter)) if (value.trim()) out[name] = value.trim();
  return out;
}
