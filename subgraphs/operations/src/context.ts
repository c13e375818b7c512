import type { Principal } from '@ecp/identity/principal';
import type { Logger } from '@ecp/logging/logger';
import type { RequestScope } from '@ecp/service-kit/subgraph-server';
import type { EntityManager, MikroORM } from '@mikro-orm/postgresql';
import { BreakGlassService } from './modules/break-glass/break-glass.service';

/** Per request: the caller, a logger, a forked EntityManager and the operations services built on it. */
export interface OperationsContext {
  principal: Principal;
  requestId: string;
  logger: Logger;
  em: EntityManager;
  breakGlass: BreakGlassService;
}

export function createOperationsContext(scope: RequestScope, orm: MikroORM): OperationsContext {
  const em = orm.em.fork();
  return { ...scope, em, breakGlass: new BreakGlassService({ em, principal: scope.principal }) };
}
