import { registerEntrySchema } from '@ecp/ledger-format/entry-schemas';
import breakGlassUseV1 from '@ecp/schema/ledger/ecp.break-glass-use.v1.schema.json' with { type: 'json' };
import { type EntryKind, serviceIdempotency } from '../entries/entry-kind';

/**
 * `ecp.break-glass-use/v1`: an operator committed a held decision with an open break-glass session,
 * appended by the ledger itself (never through the append command) just before the decision's entry.
 * One per decision: its idempotency key is the decision's.
 */
export const breakGlassUseKind: EntryKind<undefined> = {
  kind: registerEntrySchema(breakGlassUseV1),
  appendedBy: 'ledger',
  idempotency: serviceIdempotency,
  project: async () => [],
};
