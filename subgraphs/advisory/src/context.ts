import type { Principal } from '@ecp/identity/principal';
import type { Logger } from '@ecp/logging/logger';
import type { RequestScope } from '@ecp/service-kit/subgraph-server';
import type { EntityManager, MikroORM } from '@mikro-orm/postgresql';
import { VoteService } from './modules/votes/vote.service';

/** Per request: the caller, a logger, a forked EntityManager and the advisory services built on it. */
export interface AdvisoryContext {
  principal: Principal;
  requestId: string;
  logger: Logger;
  em: EntityManager;
  votes: VoteService;
}

export function createAdvisoryContext(scope: RequestScope, orm: MikroORM): AdvisoryContext {
  const em = orm.em.fork();
  return { ...scope, em, votes: new VoteService({ em, principal: scope.principal, logger: scope.logger }) };
}
