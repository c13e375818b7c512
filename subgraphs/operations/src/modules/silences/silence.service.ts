import { newId } from '@ecp/db/ids';
import type { ErrorDetail } from '@ecp/errors/errors';
import { BadUserInputError, ConflictError, ForbiddenError, NotFoundError } from '@ecp/errors/errors';
import { hasRole } from '@ecp/identity/principal';
import { LockMode } from '@mikro-orm/core';
import { z } from 'zod';
import type { OperationsServiceDeps } from '../../context';
import { AlertEntity } from '../alerts/alert.entity';
import { scheduleUnmuted } from '../alerts/alert-groups';
import { ALERT_RULE_IDS, isAlertRuleId } from '../alerts/alert-rules';
import { type Silence, SilenceEntity } from './silence.entity';
import { silenceInForce, silenceMatches } from './silence-matching';

export interface SilenceInput {
  matchers: readonly { name: string; value: string }[];
  rule?: string | null;
  startsAt?: Date | null;
  endsAt?: Date | null;
  reason: string;
}

const matcherSchema = z.object({
  name: z.string().regex(/^[a-zA-Z_][a-zA-Z0-9_-]{0,99}$/, 'must be a label name (letters, digits, _ and -)'),
  value: z.string().min(1, 'must not be empty').max(500, 'at most 500 characters'),
});

/** Most silences `silences` lists, newest first. */
export const MAX_LISTED_SILENCES = 500;

/**
 * Silences: an operator mutes the alerts matching some labels for a time window, with a reason.
 * Muted alerts are not notified; when the silence ends (or is expired) their groups are flushed
 * again, so alerts still firing are notified then.
 */
export class SilenceService {
  constructor(private readonly deps: Pick<OperationsServiceDeps, 'em' | 'principal' | 'runtime'>) {}

  private requireOperator(): void {
    if (!hasRole(this.deps.principal, 'OPERATOR', 'ADMIN')) {
      throw new ForbiddenError('Silences are set and expired by operators and admins.');
    }
  }

  /** Validates and stores a silence; nothing is stored when any part is wrong (every problem named). */
  async create(input: SilenceInput): Promise<Silence> {
    this.requireOperator();
    const { em, runtime, principal } = this.deps;
    const now = runtime.now();
    const problems: ErrorDetail[] = [];
    if (input.matchers.length === 0) {
      problems.push({ path: 'input.matchers', reason: 'must list at least one label to match' });
    }
    input.matchers.forEach((m, i) => {
      const parsed = matcherSchema.safeParse(m);
      if (!parsed.success) {
        for (const issue of parsed.error.issues) {
          problems.push({ path: `input.matchers.${i}.${issue.path.join('.')}`, reason: issue.message });
        }
      }
    });
    if (new Set(input.matchers.map((m) => m.name)).size !== input.matchers.length) {
      problems.push({ path: 'input.matchers', reason: 'each label may be matched once' });
    }
    if (input.rule != null && !isAlertRuleId(input.rule)) {
      problems.push({ path: 'input.rule', reason: `must be one of ${ALERT_RULE_IDS.join(', ')}` });
    }
    const reason = input.reason.trim();
    if (reason.length < 1 || reason.length > 2000) {
      problems.push({ path: 'input.reason', reason: 'must be 1 to 2000 characters' });
    }
    const startsAt = input.startsAt ?? now;
    if (!input.endsAt) {
      problems.push({ path: 'input.endsAt', reason: 'is required: a silence must end' });
    } else if (input.endsAt.getTime() <= startsAt.getTime()) {
      problems.push({ path: 'input.endsAt', reason: 'must be after startsAt' });
    } else if (input.endsAt.getTime() <= now.getTime()) {
      problems.push({ path: 'input.endsAt', reason: 'must be in the future' });
    }
    if (problems.length > 0) throw new BadUserInputError('Invalid silence', problems);
    const endsAt = input.endsAt as Date;

    return em.transactional(async (tx) => {
      const silence = tx.create(SilenceEntity, {
        id: newId(),
        matchers: input.matchers.map((m) => ({ name: m.name, value: m.value })),
        rule: input.rule ?? null,
        author: principal.id,
        reason,
        startsAt,
        endsAt,
        createdAt: now,
        expiredAt: null,
      });
      await tx.flush();
      // When it ends, the groups of the alerts it mutes are looked at again.
      await scheduleUnmuted({ tx, runtime }, await this.firingMatched(tx, silence), endsAt);
      return silence;
    });
  }

  /** Ends a silence now; the alerts it muted are notified at their group's next flush if still firing. */
  async expire(id: string): Promise<Silence> {
    this.requireOperator();
    const { em, runtime } = this.deps;
    return em.transactional(async (tx) => {
      const silence = await tx.findOne(SilenceEntity, { id }, { lockMode: LockMode.PESSIMISTIC_WRITE });
      if (!silence) throw new NotFoundError(`No silence has id ${id}.`);
      const now = runtime.now();
      if (silence.expiredAt !== null || silence.endsAt.getTime() <= now.getTime()) {
        throw new ConflictError('This silence has already ended.', [{ path: 'id', reason: 'already ended' }]);
      }
      silence.expiredAt = now;
      await tx.flush();
      await scheduleUnmuted({ tx, runtime }, await this.firingMatched(tx, silence), now);
      return silence;
    });
  }

  /** Silences newest first: all, only those in force now (`active: true`), or only the others. */
  async list(active: boolean | null | undefined): Promise<Silence[]> {
    if (!hasRole(this.deps.principal, 'ANALYST', 'OPERATOR', 'ADMIN')) {
      throw new ForbiddenError('Silences are visible to analysts, operators and admins.');
    }
    const now = this.deps.runtime.now();
    const inForce = { expiredAt: null, startsAt: { $lte: now }, endsAt: { $gt: now } };
    const where =
      active === true
        ? inForce
        : active === false
          ? { $or: [{ expiredAt: { $ne: null } }, { startsAt: { $gt: now } }, { endsAt: { $lte: now } }] }
          : {};
    return this.deps.em.find(SilenceEntity, where, {
      orderBy: { createdAt: 'desc', id: 'desc' },
      limit: MAX_LISTED_SILENCES,
    });
  }

  isActive(silence: Silence): boolean {
    return silenceInForce(silence, this.deps.runtime.now());
  }

  private async firingMatched(tx: OperationsServiceDeps['em'], silence: Silence) {
    const labels = Object.fromEntries(silence.matchers.map((m) => [m.name, m.value]));
    const firing = await tx.find(
      AlertEntity,
      { status: 'FIRING', labels, ...(silence.rule ? { rule: silence.rule } : {}) },
      { fields: ['rule', 'labels'] },
    );
    return firing.filter((a) => silenceMatches(silence, a));
  }
}
