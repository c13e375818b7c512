import type { Principal } from '@ecp/identity/principal';
import type { Logger } from '@ecp/logging/logger';
import type { RequestScope } from '@ecp/service-kit/subgraph-server';
import type { EntityManager, MikroORM } from '@mikro-orm/postgresql';
import { AgentService } from './modules/agents/agent.service';

export interface LedgerSettings {
  tokenSecret: string;
  accessTokenMaxTtlSeconds: number;
}

/** Per request: the caller, a logger, a forked EntityManager and the domain services built on it. */
export interface LedgerContext {
  principal: Principal;
  requestId: string;
  logger: Logger;
  em: EntityManager;
  agents: AgentService;
}

export function createLedgerContext(
  scope: RequestScope,
  orm: MikroORM,
  settings: LedgerSettings,
): LedgerContext {
  const em = orm.em.fork();
  return {
    ...scope,
    em,
    agents: new AgentService({ em, principal: scope.principal, logger: scope.logger, ...settings }),
  };
}
