import { toHex } from '@ecp/merkle/hash';
import { builder } from '../../builder';
import type { AppendedEntry } from './append-entry.service';

const AppendLedgerEntryInput = builder.inputType('AppendLedgerEntryInput', {
  inaccessible: true,
  description: 'An entry one of ECP’s services records.',
  fields: (t) => ({
    kind: t.string({ required: true, description: 'A registered entry kind, e.g. `ecp.outcome-report/v1`.' }),
    body: t.field({
      type: 'JSONObject',
      required: true,
      description: 'What happened, as the kind’s schema says.',
    }),
    idempotencyKey: t.string({
      required: true,
      description: 'Unique per issuing service and entry: a retry with the same key returns the first entry.',
    }),
  }),
});

const AppendedLedgerEntryRef = builder.objectRef<AppendedEntry>('AppendedLedgerEntry').implement({
  inaccessible: true,
  description: 'Where an appended entry sits in the ledger.',
  fields: (t) => ({
    index: t.string({ description: 'Its ledger index (decimal).', resolve: (e) => e.index.toString() }),
    leafHash: t.string({ description: 'Its leaf hash, lowercase hex.', resolve: (e) => toHex(e.leafHash) }),
    treeSize: t.string({
      description: 'The tree size it was included at: a proof against it exists at once.',
      resolve: (e) => e.treeSize.toString(),
    }),
    replayed: t.exposeBoolean('replayed', {
      description: 'True when this answers a retry: the entry was appended before under the same key.',
    }),
  }),
});

builder.mutationFields((t) => ({
  appendLedgerEntry: t.field({
    type: AppendedLedgerEntryRef,
    // Not part of the public graph: the gateway's API schema leaves it out, and only a service identity
    // may call it, at the ledger subgraph itself.
    inaccessible: true,
    description:
      'Appends an entry of a registered kind for the calling ECP service (service identities only): validated against the kind’s schema, idempotent on (service, key), group-committed with every other append.',
    args: { input: t.arg({ type: AppendLedgerEntryInput, required: true }) },
    resolve: (_root, { input }, ctx) => ctx.entries.append(input),
  }),
}));
