import { defineOperation } from '@ecp/service-kit/service-operation';

/**
 * What the learning consortium asks of the ledger, which owns decisions and the log. The answer types
 * are this side's promise about the ledger's schema, checked end to end against a real ledger.
 */

export interface LedgerDecision {
  id: string;
  jurisdiction: string;
  category: string;
  chosenOption: string;
  confidence: number;
  agent: { id: string };
}

/** Decisions by id (null for ids the ledger does not know): what an outcome report is about. */
export const LEDGER_DECISIONS = defineOperation<
  { _entities: (LedgerDecision | null)[] },
  { representations: { __typename: 'Decision'; id: string }[] }
>(`
  query LearningLedgerDecisions($representations: [_Any!]!) {
    _entities(representations: $representations) {
      ... on Decision { id jurisdiction category chosenOption confidence agent { id } }
    }
  }
`);

/** Appends an entry of a kind the learning consortium records, idempotently. */
export const APPEND_LEDGER_ENTRY = defineOperation<
  { appendLedgerEntry: { index: string; leafHash: string; treeSize: string; replayed: boolean } },
  { input: { kind: string; body: Record<string, unknown>; idempotencyKey: string } }
>(`
  mutation LearningAppendLedgerEntry($input: AppendLedgerEntryInput!) {
    appendLedgerEntry(input: $input) { index leafHash treeSize replayed }
  }
`);
