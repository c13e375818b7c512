import { ForbiddenError } from '@ecp/errors/errors';
import { hasRole, type Principal } from '@ecp/identity/principal';
import type { Logger } from '@ecp/logging/logger';
import { type KeysetPage, timeIdCursor, timeIdKeyset } from '@ecp/service-kit/keyset';
import type { EntityManager } from '@mikro-orm/postgresql';
import { type Vote, VoteEntity } from './vote.entity';

/** Votes cast in Network Opinion Polls. */
export class VoteService {
  constructor(private readonly deps: { em: EntityManager; principal: Principal; logger: Logger }) {}

  /**
   * An agent's votes, newest first. Visible to the agent itself and to analysts, operators and
   * admins: how an agent voted is not every other agent's business.
   */
  async listForAgent(agentId: string, page: KeysetPage): Promise<Vote[]> {
    const { principal } = this.deps;
    if (principal.id !== agentId && !hasRole(principal, 'ANALYST', 'OPERATOR', 'ADMIN')) {
      throw new ForbiddenError("Another agent's votes are visible to analysts, operators and admins only.");
    }
    const { where, orderBy } = timeIdKeyset('castAt', page, 'newest-first');
    return this.deps.em.find(VoteEntity, { $and: [{ agentId }, ...where] }, { orderBy, limit: page.limit });
  }

  static cursorOf(vote: Vote): string {
    return timeIdCursor(vote.castAt, vote.id);
  }
}
