import outcomeReportV1 from '@ecp/schema/ledger/ecp.outcome-report.v1.schema.json' with { type: 'json' };
import { serviceEntryKind } from './entry-kind';

/** `ecp.outcome-report/v1`: how a committed decision turned out, appended by the learning consortium. */
export const outcomeReportKind = serviceEntryKind(outcomeReportV1);
