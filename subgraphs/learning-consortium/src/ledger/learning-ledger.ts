import type { Principal } from '@ecp/identity/principal';
import type { Logger } from '@ecp/logging/logger';
import type { ServiceDirectory } from '@ecp/service-kit/service-directory';
import { APPEND_LEDGER_ENTRY, LEDGER_DECISIONS, type LedgerDecision } from './ledger-operations';

/** Who a call to the ledger is for, and what it is part of. */
export interface LedgerCall {
  actingFor: Principal;
  requestId: string;
  logger: Logger;
}

export interface AppendedEntry {
  index: string;
  leafHash: string;
  replayed: boolean;
}

/** What the learning consortium needs of the ledger: decisions to report on, and appends. */
export interface LearningLedger {
  /** The decisions with these ids, null for ids the ledger does not know; same order. */
  decisions(ids: readonly string[], call: LedgerCall): Promise<(LedgerDecision | null)[]>;
  /** Appends a service entry; a retry with the same key returns the first entry. */
  append(
    input: { kind: string; body: Record<string, unknown>; idempotencyKey: string },
    call: LedgerCall,
  ): Promise<AppendedEntry>;
}

/** The ledger over the service client, as this subgraph's service identity acting for the caller. */
export function serviceLedger(services: ServiceDirectory): LearningLedger {
  return {
    async decisions(ids, call) {
      const { _entities } = await services
        .client('ledger')
        .request(
          LEDGER_DECISIONS,
          { representations: ids.map((id) => ({ __typename: 'Decision' as const, id })) },
          call,
        );
      return _entities;
    },
    async append(input, call) {
      const { appendLedgerEntry } = await services
        .client('ledger')
        .request(APPEND_LEDGER_ENTRY, { input }, call);
      return appendLedgerEntry;
    },
  };
}
