import breakGlassClosedV1 from '@ecp/schema/ledger/ecp.break-glass-closed.v1.schema.json' with {
  type: 'json',
};
import breakGlassOpenedV1 from '@ecp/schema/ledger/ecp.break-glass-opened.v1.schema.json' with {
  type: 'json',
};
import { serviceEntryKind } from './entry-kind';

/** `ecp.break-glass-opened/v1`: an operator's emergency session opened, appended by operations. */
export const breakGlassOpenedKind = serviceEntryKind(breakGlassOpenedV1);

/** `ecp.break-glass-closed/v1`: a break-glass session closed by hand or expired, appended by operations. */
export const breakGlassClosedKind = serviceEntryKind(breakGlassClosedV1);
