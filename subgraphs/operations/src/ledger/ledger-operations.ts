import { defineOperation } from '@ecp/service-kit/service-operation';

/**
 * What operations asks of the ledger, which owns the log: appends of the entries operations records
 * (break-glass sessions opened and closed). The answer type is this side's promise about the ledger's
 * schema, checked against a real ledger in the tests.
 */
export const APPEND_LEDGER_ENTRY = defineOperation<
  { appendLedgerEntry: { index: string; leafHash: string; treeSize: string; replayed: boolean } },
  { input: { kind: string; body: Record<string, unknown>; idempotencyKey: string } }
>(`
  mutation OperationsAppendLedgerEntry($input: AppendLedgerEntryInput!) {
    appendLedgerEntry(input: $input) { index leafHash treeSize replayed }
  }
`);
