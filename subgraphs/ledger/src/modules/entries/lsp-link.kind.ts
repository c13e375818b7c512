import lspLinkV1 from '@ecp/schema/ledger/ecp.lsp-link.v1.schema.json' with { type: 'json' };
import { serviceEntryKind } from './entry-kind';

/** `ecp.lsp-link/v1`: a reciprocity link between jurisdictions, or its revocation (learning consortium). */
export const lspLinkKind = serviceEntryKind(lspLinkV1);
