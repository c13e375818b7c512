import pollResultV1 from '@ecp/schema/ledger/ecp.poll-result.v1.schema.json' with { type: 'json' };
import { serviceEntryKind } from './entry-kind';

/** `ecp.poll-result/v1`: a closed Network Opinion Poll and its result, appended by the advisory service. */
export const pollResultKind = serviceEntryKind(pollResultV1);
