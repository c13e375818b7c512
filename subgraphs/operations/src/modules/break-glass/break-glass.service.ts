import { ForbiddenError } from '@ecp/errors/errors';
import { hasRole } from '@ecp/identity/principal';
import { type KeysetPage, timeIdCursor, timeIdKeyset } from '@ecp/service-kit/keyset';
import type { OperationsServiceDeps } from '../../context';
import { type BreakGlassSession, BreakGlassSessionEntity } from './break-glass-session.entity';

/** Break-glass sessions: who opened one, why, and for how long. */
export class BreakGlassService {
  constructor(private readonly deps: Pick<OperationsServiceDeps, 'em' | 'principal'>) {}

  /** The sessions an operator opened, newest first. Visible to that operator, other operators and admins. */
  async listForOperator(operatorId: string, page: KeysetPage): Promise<BreakGlassSession[]> {
    const { principal } = this.deps;
    if (principal.id !== operatorId && !hasRole(principal, 'OPERATOR', 'ADMIN')) {
      throw new ForbiddenError(
        "Another agent's break-glass sessions are visible to operators and admins only.",
      );
    }
    const { where, orderBy } = timeIdKeyset('openedAt', page, 'newest-first');
    return this.deps.em.find(
      BreakGlassSessionEntity,
      { $and: [{ operatorId }, ...where] },
      { orderBy, limit: page.limit },
    );
  }

  /** Open means neither closed nor past its expiry. */
  static isActive(session: BreakGlassSession, now = new Date()): boolean {
    return session.closedAt === null && session.expiresAt.getTime() > now.getTime();
  }

  static cursorOf(session: BreakGlassSession): string {
    return timeIdCursor(session.openedAt, session.id);
  }
}
