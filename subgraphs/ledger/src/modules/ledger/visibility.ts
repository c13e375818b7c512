import { hasRole, type Principal } from '@ecp/identity/principal';
import type { Entry } from './ledger.entities';

/**
 * What one principal may see of another's records.
 *
 * The ledger is for transparency: every authenticated caller sees every decision — who recorded it,
 * where, in which category, the options, the choice, the rationale, the confidence, the precedents,
 * the signature — and every entry's hashes, proofs and checkpoints, so anyone can check that an entry
 * is in the log and that the log only grows. One thing is the recorder's and people's only: the
 * decision's `context`, the situation the agent decided in, which may hold its operator's private data.
 * Another agent gets `context: null`, and since an entry's canonical bytes contain the context, those
 * bytes too (`canonicalJson`, proof bundles, exports) are for the recording agent and for people
 * (ANALYST, OPERATOR, ADMIN: analysts and auditors verify whole exports). The rule is enforced here,
 * at the fields, so that it holds on every path that reaches them: queries, entity fetches and
 * subscription payloads, which the gateway resolves with the subscriber's identity.
 */
export function mayReadContents(principal: Principal, ownerId: string | null | undefined): boolean {
  if (ownerId == null) return true;
  const readable = readableContents(principal);
  return readable.everyone || readable.agentId === ownerId;
}

/** Whose decisions' contexts a principal may read: everyone's, or one agent's only (none: `agentId: null`). */
export type ReadableContents = { everyone: true } | { everyone: false; agentId: string | null };

/**
 * The same rule, for what SQL must apply row by row (the precedent search matches a decision's context
 * text only where `mayReadContents` would show that context): everyone's for people, its own for an
 * agent, and none for a service without a person's role, which sees `context: null` on every decision.
 */
export function readableContents(principal: Principal): ReadableContents {
  if (hasRole(principal, 'ANALYST', 'OPERATOR', 'ADMIN')) return { everyone: true };
  return { everyone: false, agentId: principal.kind === 'agent' ? principal.id : null };
}

/** The agent an entry belongs to: the `agentId` it records, if any (entries of the platform have none). */
export function entryOwner(entry: Entry): string | undefined {
  const agentId = (entry.payload as { agentId?: unknown } | null)?.agentId;
  return typeof agentId === 'string' ? agentId : undefined;
}
