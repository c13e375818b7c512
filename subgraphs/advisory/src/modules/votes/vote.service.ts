import { isUuid } from '@ecp/db/ids';
import { BadUserInputError, ForbiddenError } from '@ecp/errors/errors';
import { hasRole, type Principal } from '@ecp/identity/principal';
import type { Logger } from '@ecp/logging/logger';
import { decodeCursor, encodeCursor } from '@ecp/service-kit/cursor';
import type { EntityManager } from '@mikro-orm/postgresql';
import { type Vote, VoteEntity } from './vote.entity';

export interface KeysetPage {
  after?: string;
  before?: string;
  limit: number;
  inverted: boolean;
}

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
    const bounds: Record<string, unknown>[] = [{ agentId }];
    // Newest first: "after" a cursor means older than it.
    if (page.after) {
      const [at, id] = decodeVoteCursor(page.after);
      bounds.push({ $or: [{ castAt: { $lt: at } }, { castAt: at, id: { $lt: id } }] });
    }
    if (page.before) {
      const [at, id] = decodeVoteCursor(page.before);
      bounds.push({ $or: [{ castAt: { $gt: at } }, { castAt: at, id: { $gt: id } }] });
    }
    const direction = page.inverted ? 'asc' : 'desc';
    return this.deps.em.find(
      VoteEntity,
      { $and: bounds },
      { orderBy: { castAt: direction, id: direction }, limit: page.limit },
    );
  }

  static cursorOf(vote: Vote): string {
    return encodeCursor([vote.castAt.toISOString(), vote.id]);
  }
}

function decodeVoteCursor(cursor: string): [Date, string] {
  const [castAt, id] = decodeCursor(cursor, 2) as [string, string];
  const at = new Date(castAt);
  if (Number.isNaN(at.getTime()) || !isUuid(id)) {
    throw new BadUserInputError('Invalid pagination cursor: pass a cursor returned by this connection.');
  }
  return [at, id];
}
