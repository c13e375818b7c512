import { isUuid } from '@ecp/db/ids';
import { BadUserInputError, ForbiddenError } from '@ecp/errors/errors';
import { hasRole, type Principal } from '@ecp/identity/principal';
import { decodeCursor, encodeCursor } from '@ecp/service-kit/cursor';
import type { EntityManager } from '@mikro-orm/postgresql';
import { type BreakGlassSession, BreakGlassSessionEntity } from './break-glass-session.entity';

export interface KeysetPage {
  after?: string;
  before?: string;
  limit: number;
  inverted: boolean;
}

/** Break-glass sessions: who opened one, why, and for how long. */
export class BreakGlassService {
  constructor(private readonly deps: { em: EntityManager; principal: Principal }) {}

  /** The sessions an operator opened, newest first. Visible to that operator, other operators and admins. */
  async listForOperator(operatorId: string, page: KeysetPage): Promise<BreakGlassSession[]> {
    const { principal } = this.deps;
    if (principal.id !== operatorId && !hasRole(principal, 'OPERATOR', 'ADMIN')) {
      throw new ForbiddenError(
        "Another agent's break-glass sessions are visible to operators and admins only.",
      );
    }
    const bounds: Record<string, unknown>[] = [{ operatorId }];
    if (page.after) {
      const [at, id] = decodeSessionCursor(page.after);
      bounds.push({ $or: [{ openedAt: { $lt: at } }, { openedAt: at, id: { $lt: id } }] });
    }
    if (page.before) {
      const [at, id] = decodeSessionCursor(page.before);
      bounds.push({ $or: [{ openedAt: { $gt: at } }, { openedAt: at, id: { $gt: id } }] });
    }
    const direction = page.inverted ? 'asc' : 'desc';
    return this.deps.em.find(
      BreakGlassSessionEntity,
      { $and: bounds },
      {
        orderBy: { openedAt: direction, id: direction },
        limit: page.limit,
      },
    );
  }

  /** Open means neither closed nor past its expiry. */
  static isActive(session: BreakGlassSession, now = new Date()): boolean {
    return session.closedAt === null && session.expiresAt.getTime() > now.getTime();
  }

  static cursorOf(session: BreakGlassSession): string {
    return encodeCursor([session.openedAt.toISOString(), session.id]);
  }
}

function decodeSessionCursor(cursor: string): [Date, string] {
  const [openedAt, id] = decodeCursor(cursor, 2) as [string, string];
  const at = new Date(openedAt);
  if (Number.isNaN(at.getTime()) || !isUuid(id)) {
    throw new BadUserInputError('Invalid pagination cursor: pass a cursor returned by this connection.');
  }
  return [at, id];
}
