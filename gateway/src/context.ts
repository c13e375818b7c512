import type { Principal } from '@ecp/identity/principal';
import type { Logger } from '@ecp/logging/logger';

/** Per request at the gateway: who is calling, the request id, and the signed header forwarded to subgraphs. */
export interface GatewayContext {
  principal: Principal;
  requestId: string;
  logger: Logger;
  /** The caller's identity, signed for subgraphs; minted once per request, on first use. */
  identityHeader: () => string;
}
