import type { Principal } from '@ecp/identity/principal';
import type { Logger } from '@ecp/logging/logger';
import type { ServiceDirectory } from '@ecp/service-kit/service-directory';
import { defineOperation } from '@ecp/service-kit/service-operation';

/** A break-glass session as operations, which owns them, tells the firewall about it. */
export interface BreakGlassSessionForUse {
  id: string;
  operatorId: string;
  /** Neither closed nor past its expiry, by operations' clock. */
  active: boolean;
  expiresAt: string;
}

/** Who asks, for whom. */
export interface BreakGlassCall {
  actingFor: Principal;
  requestId: string;
  logger: Logger;
}

/**
 * What the firewall needs to know of break-glass sessions: whether one is open, and whose it is.
 * Production asks operations over the service client; tests give their own sessions.
 */
export interface BreakGlassSessions {
  /** The session `id`, null when operations knows none. */
  sessionForUse(id: string, call: BreakGlassCall): Promise<BreakGlassSessionForUse | null>;
}

const SESSION_FOR_USE = defineOperation<
  { breakGlassSessionForUse: BreakGlassSessionForUse | null },
  { id: string }
>(`
  query LedgerBreakGlassSession($id: ID!) {
    breakGlassSessionForUse(id: $id) { id operatorId active expiresAt }
  }
`);

/** Operations' sessions over the service client, as the ledger's service identity acting for the caller. */
export function serviceBreakGlassSessions(services: ServiceDirectory): BreakGlassSessions {
  return {
    async sessionForUse(id, call) {
      const { breakGlassSessionForUse } = await services
        .client('operations')
        .request(SESSION_FOR_USE, { id }, call);
      return breakGlassSessionForUse;
    },
  };
}
